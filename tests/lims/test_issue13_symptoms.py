"""Issue 13's symptoms, written only against services that existed before the fix (they
FAILED on the base commit 22d25d2: 94/100 closed Conforme, nitrate 6 + nitrite 0,5 two
conforming results, pH 9,5 nao conforme, no network turbidity minimum above 80.000)."""
import datetime as dt
import tomllib
from pathlib import Path

import pytest

UTC = dt.UTC
PREV = dt.date.today().replace(day=1) - dt.timedelta(days=1)
Y, M = PREV.year, PREV.month
_ids = iter(range(500_000, 599_999))


@pytest.fixture()
def lab(db, make_user):
    from core.auth import Profile
    from lims.seed import seed_reference

    seed_reference()
    return make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)


def _system(kinds):
    from lims.services import registry

    n = next(_ids)
    s = registry.save("sistemas", {"code": f"B-{n}", "name": f"B {n}", "kind": "SAA",
                                   "population_served": "30000", "source_type": "superficial",
                                   "treatment_type": "filtracao_rapida"})
    return s, {k: registry.save("pontos", {"code": f"B-{n}-{k}", "name": k,
                                           "system_id": str(s.id), "kind": k}) for k in kinds}


def _enter(s, point, values, lab):
    from lims.models.catalogue import Parameter
    from lims.services import results as rs
    from lims.services import validation
    from tests.lims.part1_rows import ensure_sample

    ids = []
    by_sample = {}
    for i, (code, text, key) in enumerate(values):
        p = rs.resolve_parameter(rs.session.scalars(rs.select(Parameter.id).where(
            Parameter.code == code)).one())
        if key not in by_sample:
            sid = next(_ids)
            by_sample[key] = rs.SampleRef(sid, f"B-{sid}", point.id, point.code, point.name,
                                          point.kind, s.id, s.name,
                                          dt.datetime(Y, M, 1 + i % 25, 12, tzinfo=UTC))
            ensure_sample(by_sample[key], ())
        ref = by_sample[key]
        ids.append(rs.enter_result(ref, p, text, analyst_id=lab[0].id,
                                   entered_by_id=lab[0].id).id)
    validation.validate(ids, lab[1].id)


def _rows(s):
    from lims.services import closing

    return {(r.parameter_code, r.where): r for r in closing.pre_closing(
        s.id, Y, M, population=30000, treatment_type="filtracao_rapida", required={},
        planned={}, collected={}, eta_codes=[])}


def test_94_of_100_filtered_samples_within_05_fail_the_month(lab):
    s, pts = _system(["saida_tratamento"])
    _enter(s, pts["saida_tratamento"], [("turbidez", "0,50", i) for i in range(94)]
           + [("turbidez", "0,51", 100 + i) for i in range(6)], lab)
    rows = _rows(s)
    assert any(r.parameter_code == "turbidez" and r.verdict == "nao_conforme"
               for r in rows.values()), {k: (r.verdict, r.conforming) for k, r in rows.items()}


def test_nitrate_6_and_nitrite_05_is_not_two_conforming_results(lab):
    s, pts = _system(["saida_tratamento"])
    _enter(s, pts["saida_tratamento"], [("nitrato", "6", 1), ("nitrito", "0,5", 1)], lab)
    rows = _rows(s)
    assert any(r.verdict == "nao_conforme" for r in rows.values()), {
        k: r.verdict for k, r in rows.items()}


def test_ph_outside_the_range_is_not_nao_conforme(lab):
    s, pts = _system(["rede"])
    _enter(s, pts["rede"], [("ph", "9,5", 1)], lab)
    assert _rows(s)[("ph", "rede")].verdict != "nao_conforme"


def test_network_turbidity_and_chlorine_minimums_above_80000():
    data = tomllib.loads((Path(__file__).parents[2] / "lims/data/catalogue_p888_v1.toml")
                         .read_text(encoding="utf-8"))
    for code in ("turbidez", "cloro_residual_livre"):
        bands = [m for m in data["minimums"] if m["code"] == code and m["where"] == "rede"]
        assert any(b["pop_min"] <= 100_000 and b.get("pop_max", 10**9) >= 100_000
                   for b in bands), code
