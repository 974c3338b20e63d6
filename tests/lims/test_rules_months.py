"""Hand-worked months for every rule of issue 13 (items 1-5), table-driven.

Pure part: the catalogue's limits as data (lims/data/catalogue_p888_v1.toml), the monthly rules
(compliance_rules.json) and the domain functions. DB part: the same months entered through the
services and judged by the pre-closing report."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections import defaultdict
from decimal import Decimal as D
from pathlib import Path

import pytest

from lims.domain import compliance as comp
from lims.domain import plans as dom
from lims.domain.limits import LimitKind, ScopedLimit, applicable, check_all
from lims.domain.vmp import Measurement, Qualifier, Verdict

DATA = Path(__file__).parents[2] / "lims" / "data"
CAT = tomllib.loads((DATA / "catalogue_p888_v1.toml").read_text(encoding="utf-8"))
DISTRIBUTION = ("reservatorio", "rede", "ponta_de_rede", "torneira")


def limits_of(code: str) -> tuple[ScopedLimit, ...]:
    """The catalogue data's limits of one parameter, as lims.services.limits builds them."""
    p = next(x for x in CAT["parameters"] if x["code"] == code)
    out = []
    if "min" in p or "max" in p or p.get("absence"):
        out.append(ScopedLimit(LimitKind(p.get("limit_kind", "vmp")),
                               D(p["min"]) if "min" in p else None,
                               D(p["max"]) if "max" in p else None, absence=bool(p.get("absence"))))
    for x in CAT["limits"]:
        if x["code"] == code:
            out.append(ScopedLimit(LimitKind(x["kind"]), D(x["min"]) if "min" in x else None,
                                   D(x["max"]) if "max" in x else None,
                                   point_kinds=frozenset(x.get("points", ())),
                                   treatment_types=frozenset(x.get("treatments", ())),
                                   disinfectants=frozenset(x.get("disinfectants", ()))))
    return tuple(out)


def judge(code, value, point_kind, treatment="filtracao_rapida", disinfectant="cloro_livre"):
    m = Measurement(value=D(value))
    return check_all(m, applicable(limits_of(code), point_kind, treatment, disinfectant)).verdict


# -- item 2: post-filtration turbidity ------------------------------------------------------------

@pytest.mark.parametrize(("treatment", "value", "verdict"), [
    ("filtracao_rapida", "0.50", Verdict.CONFORMING),
    ("filtracao_rapida", "0.51", Verdict.NONCONFORMING),
    ("filtracao_lenta", "1.00", Verdict.CONFORMING),
    ("filtracao_lenta", "1.01", Verdict.NONCONFORMING),
    ("so_desinfeccao", "1.00", Verdict.CONFORMING),
    ("so_desinfeccao", "1.01", Verdict.NONCONFORMING),
    ("membrana", "0.10", Verdict.CONFORMING),
    ("membrana", "0.11", Verdict.NONCONFORMING),
])
@pytest.mark.parametrize("point_kind", ["agua_filtrada", "filtrada_combinada"])
def test_filtration_limit_per_sample_at_the_filtered_water_points(treatment, value, verdict,
                                                                   point_kind):
    assert judge("turbidez", value, point_kind, treatment) is verdict


def test_filtration_limit_is_not_the_network_limit():
    # 0,51 uT after a rapid filter fails; in the network only 5,0 uT applies
    assert judge("turbidez", "0.51", "agua_filtrada") is Verdict.NONCONFORMING
    assert judge("turbidez", "0.51", "rede") is Verdict.CONFORMING
    assert judge("turbidez", "5.01", "rede") is Verdict.NONCONFORMING


def _filtration_month(n_within: int, n_total: int, treatment="filtracao_rapida",
                      within="0.50", above="0.51", stand_in=False):
    table = {treatment: (D("0.5") if treatment == "filtracao_rapida" else D("1.0"),
                         D("95"), False)}
    rule = comp.turbidity_filtration_rule(treatment, table, outlet_stands_in=stand_in)
    values = [within] * n_within + [above] * (n_total - n_within)
    outcomes = [comp.Outcome(judge("turbidez", v, "agua_filtrada", treatment), False, i)
                for i, v in enumerate(values)]
    return rule, comp.evaluate(rule, outcomes)


@pytest.mark.parametrize(("within", "total", "verdict", "percent"), [
    (95, 100, comp.MonthVerdict.CONFORMING, D("95.0")),  # 95 % met
    (94, 100, comp.MonthVerdict.NONCONFORMING, D("94.0")),  # the 94 of 100
    (100, 100, comp.MonthVerdict.CONFORMING, D("100.0")),
    (19, 20, comp.MonthVerdict.CONFORMING, D("95.0")),
    (18, 20, comp.MonthVerdict.NONCONFORMING, D("90.0")),
    (9, 10, comp.MonthVerdict.NONCONFORMING, D("90.0")),  # few samples: one failure fails
])
def test_filtration_month_95_percent_met_and_missed(within, total, verdict, percent):
    rule, res = _filtration_month(within, total)
    assert "0,5 uT em 95%" in rule.text
    assert (res.verdict, res.percent_conforming, res.analysed) == (verdict, percent, total)


def test_outlet_standing_in_is_said_in_the_rule():
    rule, _res = _filtration_month(10, 10, stand_in=True)
    assert "saída do tratamento substituem a água filtrada" in rule.text


# -- item 3: nitrate + nitrite -------------------------------------------------------------------

SUM = comp.SumRule("nitrato_nitrito", "Nitrato + nitrito", ("nitrato", "nitrito"))


@pytest.mark.parametrize(("nitrate", "nitrite", "total", "verdict"), [
    ("6", "0.39", D("0.99"), Verdict.CONFORMING),
    ("6", "0.41", D("1.01"), Verdict.NONCONFORMING),
    ("6", "0.5", D("1.1"), Verdict.NONCONFORMING),  # the sample: two conforming results
    ("9.9", None, D("0.99"), Verdict.CONFORMING),  # nitrite "< LD" counts as zero (stated)
    ("10", "0", D("1"), Verdict.CONFORMING),
])
def test_nitrate_plus_nitrite_sum_at_each_edge(nitrate, nitrite, total, verdict):
    terms = {"nitrato": (Measurement(value=D(nitrate)), D("10")),
             "nitrito": (Measurement(value=D(nitrite)) if nitrite is not None
                         else Measurement(qualifier=Qualifier.LT_LD, ld=D("0.01")), D("1"))}
    got_total, got = comp.sum_of_sample(SUM, terms)
    assert got is verdict and got_total == total
    # each term alone is within its own VMP in the failing cases
    assert judge("nitrato", nitrate, "rede") is Verdict.CONFORMING


def test_sum_waits_for_every_term_and_fails_the_month():
    assert comp.sum_of_sample(SUM, {"nitrato": (Measurement(value=D("6")), D("10"))}) is None
    samples = {1: (False, {"nitrato": (Measurement(value=D("6")), D("10")),
                           "nitrito": (Measurement(value=D("0.41")), D("1"))}),
               2: (False, {"nitrato": (Measurement(value=D("1")), D("10")),
                           "nitrito": (Measurement(value=D("0.1")), D("1"))}),
               3: (False, {"nitrato": (Measurement(value=D("1")), D("10"))})}
    res = comp.evaluate(comp.every_sample(SUM.text), comp.sum_outcomes(SUM, samples))
    assert (res.verdict, res.analysed, res.nonconforming) == (comp.MonthVerdict.NONCONFORMING, 2, 1)


def test_every_sum_rule_of_the_reference_is_in_the_rules_file():
    import json

    rules = json.loads((DATA / "compliance_rules.json").read_text(encoding="utf-8"))
    # portaria888.md lists one sum of ratios (Art. 39); the other "totals" (THM, AHA, DDT+DDD+
    # DDE...) are one analyte reported as a total against one VMP
    assert [(s["code"], s["terms"], s["max"]) for s in rules["sums"]] == [
        ("nitrato_nitrito", ["nitrato", "nitrito"], "1")]


# -- item 4: disinfectant per system, everywhere in distribution ---------------------------------

@pytest.mark.parametrize(("disinfectant", "code", "value", "verdict"), [
    ("cloro_livre", "cloro_residual_livre", "0.2", Verdict.CONFORMING),
    ("cloro_livre", "cloro_residual_livre", "0.19", Verdict.NONCONFORMING),
    ("cloro_livre", "cloro_residual_livre", "5.0", Verdict.OUTSIDE_RECOMMENDATION),  # > 2 rec.
    ("cloro_livre", "cloro_residual_livre", "5.01", Verdict.NONCONFORMING),  # max 5 (VMP)
    ("cloro_livre", "cloro_residual_livre", "1.5", Verdict.CONFORMING),
    ("cloramina", "cloro_residual_combinado", "2.0", Verdict.CONFORMING),
    ("cloramina", "cloro_residual_combinado", "1.99", Verdict.NONCONFORMING),
    ("cloramina", "cloro_residual_livre", "0.1", Verdict.CONFORMING),  # no free-chlorine minimum
    ("cloramina", "cloro_residual_livre", "5.01", Verdict.NONCONFORMING),  # the max stays
    ("dioxido_de_cloro", "dioxido_de_cloro", "0.2", Verdict.CONFORMING),
    ("dioxido_de_cloro", "dioxido_de_cloro", "0.19", Verdict.NONCONFORMING),
    ("dioxido_de_cloro", "cloro_residual_livre", "0.0", Verdict.CONFORMING),
    ("cloro_livre", "cloro_residual_combinado", "0.5", Verdict.CONFORMING),  # not its residual
])
@pytest.mark.parametrize("point_kind", DISTRIBUTION)
def test_disinfectant_residual_by_the_systems_disinfectant(disinfectant, code, value, verdict,
                                                            point_kind):
    assert judge(code, value, point_kind, disinfectant=disinfectant) is verdict


@pytest.mark.parametrize(("values", "verdict"), [
    (["0.3", "0.8", "1.2"], comp.MonthVerdict.CONFORMING),
    (["0.3", "0.19", "1.2"], comp.MonthVerdict.NONCONFORMING),
    (["0.3", "2.5", "1.2"], comp.MonthVerdict.OUTSIDE_RECOMMENDATION),
])
def test_disinfectant_month(values, verdict):
    out = [comp.Outcome(judge("cloro_residual_livre", v, "reservatorio"), False, i)
           for i, v in enumerate(values)]
    assert comp.evaluate(comp.every_sample(), out).verdict is verdict


# -- item 1: pH is a recommended range, never "nao conforme" -------------------------------------

@pytest.mark.parametrize(("value", "verdict"), [
    ("5.9", Verdict.OUTSIDE_RECOMMENDATION), ("6.0", Verdict.CONFORMING),
    ("9.0", Verdict.CONFORMING), ("9.1", Verdict.OUTSIDE_RECOMMENDATION),
    ("12", Verdict.OUTSIDE_RECOMMENDATION)])
@pytest.mark.parametrize("point_kind", ["saida_tratamento", "rede", "torneira"])
def test_ph_outside_the_recommended_range(value, verdict, point_kind):
    assert judge("ph", value, point_kind) is verdict


def test_ph_month_outside_the_range_is_shown_as_such():
    out = [comp.Outcome(judge("ph", v, "rede"), False, i)
           for i, v in enumerate(["7.0", "9.6", "5.5", "7.2"])]
    res = comp.evaluate(comp.every_sample(), out)
    assert res.verdict is comp.MonthVerdict.OUTSIDE_RECOMMENDATION
    assert res.nonconforming == 0 and res.conforming == 4
    assert "2 amostra(s) fora da faixa recomendada" in res.reason
    assert comp.VERDICT_LABELS[res.verdict] == "Fora da faixa recomendada"
    assert comp.combine([comp.MonthVerdict.CONFORMING, res.verdict]) is res.verdict


# -- item 5: every minimum for every population band ----------------------------------------------

def minimum_rules() -> list[dom.MinimumRule]:
    return [dom.MinimumRule(parameter_code=r["code"], where=r["where"],
                            frequency=dom.Frequency(r["freq"]), base=r.get("base", 1),
                            per_inhabitants=r.get("per"), cap=r.get("cap"),
                            pop_min=r.get("pop_min", 0), pop_max=r.get("pop_max"),
                            source_type=r.get("source", "*"), system_kind=r.get("system", "SAA"))
            for r in CAT["minimums"]]


def test_no_parameter_leaves_a_gap_between_its_population_bands():
    """Fails when any (parameter, where, system, source) has a population nobody covers."""
    assert dom.band_gaps(minimum_rules()) == []


@pytest.mark.parametrize(("bands", "gap"), [
    ([(0, 4999), (5000, None)], None),
    ([(0, 4999), (5001, None)], "5000"),
    ([(0, 80000)], "80001"),  # stops at 80,000: a larger system has no requirement
    ([(1, None)], "0"),
    ([(0, 100), (50, None)], "sobrepoem"),
])
def test_band_gaps_finds_holes_overlaps_and_a_missing_top(bands, gap):
    rules = [dom.MinimumRule("turbidez", "rede", dom.Frequency.MONTHLY, pop_min=a, pop_max=b)
             for a, b in bands]
    got = dom.band_gaps(rules)
    assert (got == []) if gap is None else (len(got) == 1 and gap in got[0])


# population -> network samples a month (888 Anexo 14 as encoded [3P]; Art. 41 par. 3 makes
# turbidity and the residual equal to the coliforms), worked by hand with ceil
NETWORK_EDGES = [
    (0, 5), (4999, 5), (5000, 10), (9999, 10), (10000, 10), (50000, 50),
    (50001, 25 + 26), (80000, 25 + 40), (80001, 1 + 65), (130000, 1 + 104),
    (130001, 40 + 66), (250000, 40 + 125), (250001, 115 + 51), (340000, 115 + 68),
    (340001, 47 + 137), (400000, 47 + 160), (400001, 127 + 81), (600000, 127 + 120),
    (600001, 187 + 61), (1140000, 187 + 114), (1140001, 244 + 58), (3_120_000, 244 + 156),
    (3_120_001, 400), (10_000_000, 400),
]


@pytest.mark.parametrize(("population", "required"), NETWORK_EDGES)
@pytest.mark.parametrize("code", ["coliformes_totais", "turbidez", "cloro_residual_livre",
                                  "cloro_residual_combinado", "dioxido_de_cloro"])
def test_network_minimum_at_every_band_edge(code, population, required):
    rules = [r for r in dom.applicable(minimum_rules(), population=population,
                                       source_type="superficial")
             if r.parameter_code == code and r.where == "rede"]
    assert len(rules) == 1, (code, population)
    assert dom.per_occurrence(rules[0], population) == required


def test_every_band_edge_of_every_minimum_has_exactly_one_rule():
    groups = defaultdict(list)
    for r in minimum_rules():
        groups[(r.parameter_code, r.where, r.system_kind, r.source_type)].append(r)
    for (code, where, kind, source), rules in groups.items():
        for r in rules:
            edges = {r.pop_min, r.pop_max} - {None}
            for pop in edges | {e + 1 for e in edges if r.pop_max == e}:
                src = "superficial" if source == "*" else source
                hits = [x for x in dom.applicable(rules, population=pop, source_type=src,
                                                  system_kind=kind)]
                assert len(hits) == 1, (code, where, pop)
                n = dom.per_occurrence(hits[0], pop)
                per = hits[0].per_inhabitants
                expect = hits[0].base + (math.ceil(pop / per) if per else 0)
                assert n == (min(expect, hits[0].cap) if hits[0].cap else expect) and n >= 1


# -- the same months through the services (DB) ----------------------------------------------------

UTC = dt.UTC
PREV = dt.date.today().replace(day=1) - dt.timedelta(days=1)
Y, M = PREV.year, PREV.month
_ids = iter(range(300_000, 399_999))


@pytest.fixture()
def lab(db, make_user):
    from core.auth import Profile
    from lims.seed import seed_reference

    seed_reference()
    return make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)


def _system(kinds, *, treatment="filtracao_rapida", disinfectant="cloro_livre"):
    from lims.services import registry

    n = next(_ids)
    s = registry.save("sistemas", {
        "code": f"RUL-{n}", "name": f"Sistema regras {n}", "kind": "SAA",
        "population_served": "30000", "source_type": "superficial",
        "treatment_type": treatment, "disinfectant": disinfectant})
    pts = {k: registry.save("pontos", {"code": f"RUL-{n}-{k}", "name": f"{k} {n}",
                                      "system_id": str(s.id), "kind": k}) for k in kinds}
    return s, pts


def _enter(system, point, values, lab):
    """One validated result per (code, text) at `point`, each on its own sample."""
    from lims.models.catalogue import Parameter
    from lims.services import results as rs
    from lims.services import validation
    from tests.lims.part1_rows import ensure_sample

    analyst, sup = lab
    ids = []
    for i, (code, text) in enumerate(values):
        pid = rs.session.scalars(rs.select(Parameter.id).where(Parameter.code == code)).one()
        p = rs.resolve_parameter(pid)
        sid = next(_ids)
        ref = rs.SampleRef(id=sid, code=f"RUL-{sid}", point_id=point.id, point_code=point.code,
                           point_name=point.name, point_kind=point.kind, system_id=system.id,
                           system_name=system.name,
                           collected_at=dt.datetime(Y, M, 1 + i % 25, 12, tzinfo=UTC))
        ensure_sample(ref, (p,))
        ids.append(rs.enter_result(ref, p, text, analysed_at=ref.collected_at + dt.timedelta(hours=2),
                                   analyst_id=analyst.id, entered_by_id=analyst.id).id)
    validation.validate(ids, sup.id)


def _rows(system, **kw):
    from lims.services import closing

    return {(r.parameter_code, r.where): r for r in closing.pre_closing(
        system.id, Y, M, population=30000, treatment_type=system.treatment_type, required={},
        planned={}, collected={}, eta_codes=[], **kw)}


def test_month_at_filtered_water_points_judged_by_the_filtration_limit(lab):
    s, pts = _system(["agua_filtrada", "saida_tratamento", "rede"])
    _enter(s, pts["agua_filtrada"], [("turbidez", "0,50")] * 19 + [("turbidez", "0,51")], lab)
    _enter(s, pts["saida_tratamento"], [("turbidez", "0,9")], lab)
    rows = _rows(s)
    f = rows[("turbidez", "filtrada")]
    assert (f.verdict, f.analysed, f.conforming) == ("conforme", 20, 19)
    assert "95,0% dentro do limite" in f.reason and "0,5 uT em 95%" in f.rule
    assert "substituem" not in f.rule
    _enter(s, pts["agua_filtrada"], [("turbidez", "0,6")], lab)  # 19 of 21: 90.5 %
    f = _rows(s)[("turbidez", "filtrada")]
    assert (f.verdict, f.analysed, f.conforming) == ("nao_conforme", 21, 19)


def test_plant_without_a_filtered_water_point_outlet_stands_in(lab):
    s, pts = _system(["saida_tratamento", "rede"])
    _enter(s, pts["saida_tratamento"], [("turbidez", "0,3")] * 9 + [("turbidez", "0,7")], lab)
    rows = _rows(s)
    f = rows[("turbidez", "filtrada")]
    assert (f.verdict, f.analysed, f.conforming) == ("nao_conforme", 10, 9)
    assert "saída do tratamento em lugar da água filtrada" in f.parameter_name
    assert "substituem a água filtrada" in f.rule
    assert rows[("turbidez", "saida")].verdict == "conforme"  # 0,7 <= 5,0 at the outlet


@pytest.mark.parametrize(("disinfectant", "code", "low", "ok"), [
    ("cloro_livre", "cloro_residual_livre", "0,19", "0,2"),
    ("cloramina", "cloro_residual_combinado", "1,9", "2,0"),
    ("dioxido_de_cloro", "dioxido_de_cloro", "0,19", "0,2"),
])
def test_disinfectant_row_of_the_system_in_reservoirs_and_network(lab, disinfectant, code, low,
                                                                   ok):
    s, pts = _system(["saida_tratamento", "reservatorio", "rede"], disinfectant=disinfectant)
    rows = _rows(s)
    assert rows[(code, "rede")].verdict == "sem_dados"  # shown even before any data
    assert "Residual do desinfetante do sistema" in rows[(code, "rede")].rule
    others = {"cloro_residual_livre", "cloro_residual_combinado", "dioxido_de_cloro"} - {code}
    assert not {k for k in rows if k[0] in others}
    _enter(s, pts["rede"], [(code, ok)], lab)
    assert _rows(s)[(code, "rede")].verdict == "conforme"
    _enter(s, pts["reservatorio"], [(code, low)], lab)  # reservoirs are distribution
    r = _rows(s)[(code, "rede")]
    assert (r.verdict, r.analysed, r.nonconforming) == ("nao_conforme", 2, 1)


def test_nitrate_nitrite_sum_in_preview_validation_and_closing(lab, db, client, login_as):
    from sqlalchemy import select

    from core.events import OutboxMessage
    from lims.models.catalogue import Parameter
    from lims.services import results as rs

    s, pts = _system(["saida_tratamento"])
    analyst, sup = lab
    params = {c: rs.resolve_parameter(db.scalars(select(Parameter.id).where(
        Parameter.code == c)).one()) for c in ("nitrato", "nitrito")}
    from tests.lims.part1_rows import ensure_sample

    def one(nitrate, nitrite):
        sid = next(_ids)
        ref = rs.SampleRef(id=sid, code=f"RUL-{sid}", point_id=pts["saida_tratamento"].id,
                           point_code="S", point_name="Saida", point_kind="saida_tratamento",
                           system_id=s.id, system_name=s.name,
                           collected_at=dt.datetime(Y, M, 5, 12, tzinfo=UTC))
        ensure_sample(ref, tuple(params.values()))
        a = rs.enter_result(ref, params["nitrato"], nitrate, analyst_id=analyst.id,
                            entered_by_id=analyst.id)
        # the preview of the second term already shows the sum
        pv = rs.preview(nitrite, params["nitrito"], sample_id=sid)
        b = rs.enter_result(ref, params["nitrito"], nitrite, analyst_id=analyst.id,
                            entered_by_id=analyst.id)
        return pv, [a.id, b.id], sid

    from lims.services import validation

    pv, ids, sid = one("6", "0,41")
    assert pv["verdict"] == "nao_conforme" and pv["somas"][0]["soma"] == "1,01"
    assert "Nitrato + nitrito" in pv["motivo"]
    before = db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
    validation.validate(ids, sup.id)
    ev = db.scalars(select(OutboxMessage).where(
        OutboxMessage.event_type == "SampleNonConformant", OutboxMessage.id > before)).all()
    assert [e.payload["parameter_code"] for e in ev] == ["nitrato_nitrito"]
    from core.auth import Profile

    login_as(Profile.SUPERVISOR)  # the validation screen shows the sum
    html = client.get(f"/lims/amostras/{sid}/resultados").get_data(as_text=True)
    assert "Somas das razões" in html and "1,01" in html and "Não conforme" in html
    pv2, ids2, _sid2 = one("6", "0,39")
    assert pv2["verdict"] == "conforme" and pv2["somas"][0]["soma"] == "0,99"
    validation.validate(ids2, sup.id)
    row = _rows(s)[("nitrato_nitrito", "saida")]
    assert (row.verdict, row.analysed, row.nonconforming) == ("nao_conforme", 2, 1)
    assert _rows(s)[("nitrato", "saida")].verdict == "conforme"


def test_ph_month_in_the_closing_is_never_nao_conforme(lab):
    s, pts = _system(["rede"])
    _enter(s, pts["rede"], [("ph", "7,0"), ("ph", "9,5"), ("ph", "5,8")], lab)
    r = _rows(s)[("ph", "rede")]
    assert r.verdict == "fora_da_recomendacao" and r.nonconforming == 0
    assert "faixa recomendada" in r.rule


def test_a_limit_edited_in_the_catalogue_is_the_one_the_open_month_reads(lab, db):
    from sqlalchemy import select

    from lims.models.catalogue import ParameterLimit
    from lims.services import registry

    s, pts = _system(["agua_filtrada"])
    _enter(s, pts["agua_filtrada"], [("turbidez", "0,45")] * 10, lab)
    assert _rows(s)[("turbidez", "filtrada")].verdict == "conforme"
    lim = next(x for x in db.scalars(select(ParameterLimit).where(
        ParameterLimit.parameter_code == "turbidez")) if x.treatment_types == ["filtracao_rapida"])
    registry.save("limites", {"maximum": "0,3"}, record_id=lim.id,
                  reason="teste: limite mais restritivo")
    r = _rows(s)[("turbidez", "filtrada")]
    assert r.verdict == "nao_conforme" and "0,3 uT" in r.rule


def test_the_invoice_and_portal_summary_show_the_systems_own_residual(lab):
    """quality_summary (invoice, portal) asks for the basic parameters: a chloramine system
    shows its combined-chlorine row, not an empty free-chlorine one."""
    from lims.services import quality

    s, pts = _system(["rede"], disinfectant="cloramina")
    _enter(s, pts["rede"], [("cloro_residual_combinado", "2,4")], lab)

    q = quality.quality_summary(s.id, Y, M, published_only=False)
    by = {p.parameter_code: p for p in q.parameters}
    assert by["cloro_residual_combinado"].analysed == 1
    assert by["cloro_residual_combinado"].verdict == "conforme"
    assert "cloro_residual_livre" not in by
