"""The plan generator (issue 19): three systems whose proposal passes the minimum check with
zero shortfall, with the totals a year per parameter counted by hand; the catalogue's
additions (demais parametros, PVC, cyanobacteria, polymer); the diff. Pure: no database."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from lims.domain import plan_generator as gen
from lims.domain import plans as dom
from lims.domain.plan_sources import cite

CAT = tomllib.loads(Path("lims/data/catalogue_p888_v1.toml").read_text(encoding="utf-8"))
RULES = [gen.rule_of_row(r) for r in gen.minimum_rows(CAT)]
COMPANIONS = gen.companions_of(CAT)
YEAR = 2026
# 2026 by hand: 1 January is a Thursday -> 53 Thursdays + 52 Tuesdays = 105 twice-weekly
# days; 52 Wednesdays (weekly); 365 days x 12 two-hour slots = 4,380
TWICE, WEEKLY, EVERY_2H = 105, 52, 4380


def chlorine_only(rules):  # free chlorine: no combined chlorine / chlorine dioxide residual
    return [r for r in rules if r.parameter_code not in ("cloro_residual_combinado", "dioxido_de_cloro")]


def run(points, population, source, traits=()):
    t = gen.system_traits("cloro_livre", traits)
    rules = chlorine_only(RULES)
    p = gen.propose(rules, points, population=population, source_type=source, traits=t,
                    year=YEAR, companions=COMPANIONS)
    check = dom.check_minimum(rules, p.planned(), year=YEAR, population=population,
                              source_type=source, traits=t)
    return p, check


def network(n, start=10):
    kinds = ["reservatorio"] + ["rede"] * (n - 2) + ["ponta_de_rede"]
    return [gen.PointSpec(start + i, f"R{i}", k) for i, k in enumerate(kinds)]


def test_groundwater_4000_with_chlorination():
    points = [gen.PointSpec(1, "POC", "poco"), gen.PointSpec(2, "SAI", "saida_tratamento")] + network(4)
    p, check = run(points, 4_000, "subterraneo")
    assert check.ok and check.failures == [] and p.notes == ()
    t = p.totals(YEAR)
    net = 5 * 12  # < 5.000 hab.: 5 network samples a month (Anexo 14 [3P])
    assert t["turbidez"] == TWICE + net + 2  # outlet 2x/week + network + well half-yearly
    assert t["cloro_residual_livre"] == TWICE + net
    assert t["ph"] == TWICE + 2
    assert t["fluoreto"] == TWICE + 2 + 2  # outlet + network and well "demais" half-yearly
    assert t["cor_aparente"] == WEEKLY + net + 2
    assert t["coliformes_totais"] == WEEKLY + net
    assert t["escherichia_coli"] == WEEKLY + net  # on every network coliform sample
    assert t["bacterias_heterotroficas"] == 12  # ceil(20% of 5) a month
    assert t["gosto_odor"] == 2
    assert t["trihalometanos_total"] == 1 and t["acidos_haloaceticos_total"] == 1  # annual
    assert t["arsenio"] == 2 + 2 + 2  # outlet, network, well: half-yearly
    assert t["aluminio"] == 2 + 2 and t["alfa_total"] == 2
    assert t["cloreto_de_vinila"] == 2 + 2  # no PVC: outlet and well only
    assert "acrilamida" not in t and "microcistinas" not in t and "cianobacterias" not in t
    assert "cloro_residual_combinado" not in t


def surface_35000(traits=()):
    points = [gen.PointSpec(1, "CAP", "captacao"), gen.PointSpec(2, "SAI", "saida_tratamento")] + network(6)
    return run(points, 35_000, "superficial", traits)


def test_surface_35000_rapid_filtration():
    p, check = surface_35000()
    assert check.ok and check.failures == []
    t = p.totals(YEAR)
    net = 35 * 12  # 10.000-50.000 hab.: 1 per 1.000
    assert t["turbidez"] == EVERY_2H + net + 2
    assert t["cloro_residual_livre"] == EVERY_2H + net
    assert t["cor_aparente"] == EVERY_2H + 10 * 12 + 2  # surface < 50k: 10 a month in the network
    assert t["ph"] == EVERY_2H + 2 and t["fluoreto"] == EVERY_2H + 2 + 2
    assert t["coliformes_totais"] == TWICE + net
    assert t["escherichia_coli"] == TWICE + net + 12  # + monthly at the intake (Art. 29)
    assert t["bacterias_heterotroficas"] == 7 * 12
    assert t["gosto_odor"] == 4  # quarterly
    assert t["trihalometanos_total"] == 4 + 4  # network and outlet, quarterly
    assert t["cianobacterias"] == 12 and t["clorofila_a"] == 12
    assert t["dqo"] == t["dbo"] == t["oxigenio_dissolvido"] == 2 and "condutividade" not in t
    assert t["cloreto_de_vinila"] == 2 + 2 and "microcistinas" not in t


def test_pvc_network_and_cyanobacteria_add_their_rows():
    p, check = surface_35000(("rede_pvc", "cianobacterias_20mil", "polimero"))
    assert check.ok
    t = p.totals(YEAR)
    assert t["cloreto_de_vinila"] == 2 + 2 + 2  # + the network point, half-yearly
    assert t["microcistinas"] == t["saxitoxinas"] == t["cilindrospermopsina"] == WEEKLY
    assert t["acrilamida"] == t["epicloridrina"] == 12
    pvc = [i for i in p.items if i.parameter_code == "cloreto_de_vinila" and i.where == "rede"]
    assert [i.point_id for i in pvc] == [15]  # the far end of the network
    # without the trait, the minimum check does not ask for them either
    plain, _ = surface_35000()
    check2 = dom.check_minimum(chlorine_only(RULES), plain.planned(), year=YEAR, population=35_000,
                               source_type="superficial",
                               traits=gen.system_traits("cloro_livre", ("rede_pvc",)))
    assert {c.parameter_code for c in check2.failures} == {"cloreto_de_vinila"}


def test_300000_two_sources_two_plants():
    points = [gen.PointSpec(1, "CAP", "captacao"), gen.PointSpec(2, "POC", "poco"),
              gen.PointSpec(3, "ETA", "saida_tratamento"), gen.PointSpec(4, "UTA", "saida_tratamento")]
    points += network(8)
    p, check = run(points, 300_000, "misto")
    assert check.ok and check.failures == [] and p.notes == ()
    t = p.totals(YEAR)
    net = (115 + 60) * 12  # 250.001-340.000: 115 + 1 per 5.000
    assert t["turbidez"] == 2 * EVERY_2H + net + 2 * 2  # two outlets; both intakes half-yearly
    assert t["cloro_residual_livre"] == 2 * EVERY_2H + net
    assert t["cor_aparente"] == 2 * EVERY_2H + (40 + 12) * 12 + 2 * 2  # > 250k: 40 + 1 per 25.000
    assert t["coliformes_totais"] == 2 * TWICE + net
    assert t["escherichia_coli"] == 2 * TWICE + net + 12  # monthly at the surface intake only
    assert t["bacterias_heterotroficas"] == 35 * 12
    assert t["trihalometanos_total"] == 4 * 4 + 2 * 4  # 4 network points + 2 outlets, quarterly
    assert t["gosto_odor"] == 2 * 4
    assert t["arsenio"] == 2 * 2 + 2 + 2 * 2
    assert t["cianobacterias"] == 12
    thm = sorted(i.point_id for i in p.items if i.parameter_code == "trihalometanos_total" and i.where == "rede")
    assert thm[0] == 10 and 17 in thm  # the reservoir and the network end first


def test_every_generator_rule_cites_a_reference_source():
    for r in RULES:
        c = cite(r.source, r.unverified)
        assert c.section.startswith("reference/portaria888.md §"), r
        assert c.reliability, r  # every tag explained
    assert "não verificado" in " ".join(cite("888 Anexo 14 [3P calculos.py]", True).reliability)


def test_diff_of_two_proposals():
    points = [gen.PointSpec(1, "POC", "poco"), gen.PointSpec(2, "SAI", "saida_tratamento")] + network(4)
    small, _ = run(points, 4_000, "subterraneo")
    big, check = run(points, 12_000, "subterraneo")
    assert check.ok
    changes = gen.diff(small.items, big.items)
    coli = [c for c in changes if c.parameter_code == "coliformes_totais"]
    assert coli and all(c.kind == "alterada" for c in coli)
    assert sum(c.after[1] or 1 for c in coli) == 12  # 1 per 1.000 hab.
    assert gen.diff(small.items, gen.from_json(gen.to_json(small.items))) == []


@pytest.mark.parametrize("row", [r for r in gen.minimum_rows(CAT) if r.get("condition")])
def test_conditional_rows_name_a_known_trait(row):
    assert row["condition"] in gen.TRAITS or row["condition"].startswith("desinfetante:")
