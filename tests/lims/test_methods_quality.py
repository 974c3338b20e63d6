"""Issue 20, parts 3-6 at the service layer: instrument calibration and analyst competence
block result entry; holding time and arrival temperature open holds that reach the month's
closing; the expanded uncertainty and the decision rule on the report; n verifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import Conflict, PermissionDenied, ValidationError
from core.fmt import today
from lims.models.holds import HoldDecision, HoldKind
from lims.models.methods import Instrument, ResultVerification
from lims.models.results import ResultState
from lims.models.samples import Sample
from lims.services import holds, methods, parameter_rules, reports, validation
from lims.services import results as rs
from lims.services.closing import report as closing_report
from tests.lims.test_results import CT, TU, M, Y, sample


def _instrument(days_left: int) -> Instrument:
    return methods.save_instrument({"codigo": f"TB-{days_left}", "nome": "Turbidímetro",
                                    "tipo": "turbidímetro", "ativo": "1"}, user_id=None)


def _calibrate(inst: Instrument, performed: dt.date, due: dt.date) -> None:
    methods.add_record(inst.id, {"tipo": "calibracao", "data": performed.isoformat(),
                                 "vencimento": due.isoformat(), "certificado": "RBC 123/26",
                                 "responsavel": "Metrologia Ltda."}, user_id=None)


def _method(param, analyst=None, **range_kw):
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(param)
    m = methods.save_method({"codigo": f"M-{param.code[:20]}", "nome": f"Método de {param.name}",
                             "parametro": str(param.id), "referencia": "SMEWW 2130 B",
                             "unidade": param.unit, "ativo": "1"}, user_id=None)
    if range_kw:
        methods.save_range(m.id, range_kw, user_id=None)
    if analyst is not None:
        methods.grant(analyst.id, m.id, granted_on=today(), evidence="treinamento", by_id=None)
    return m


def test_instrument_expired_yesterday_cannot_be_used_for_a_result(db, make_user):
    analyst = make_user(Profile.ANALYST)
    inst = _instrument(-1)
    _calibrate(inst, today() - dt.timedelta(days=366), today() - dt.timedelta(days=1))
    assert inst.calibration_due == today() - dt.timedelta(days=1)  # from the record
    s = sample()
    with pytest.raises(ValidationError) as err:
        rs.enter_result(s, TU, "0,8", analyst_id=analyst.id, entered_by_id=analyst.id,
                        instrument_id=inst.id)
    assert err.value.code == "instrumento_vencido"
    assert "A calibração do instrumento TB--1 (Turbidímetro) venceu em" in err.value.message
    assert rs.active_result(s.id, TU.id) is None  # nothing written
    _calibrate(inst, today(), today() + dt.timedelta(days=365))  # a new calibration
    assert inst.calibration_due == today() + dt.timedelta(days=365)
    r = rs.enter_result(s, TU, "0,8", analyst_id=analyst.id, entered_by_id=analyst.id,
                        instrument_id=inst.id)
    assert r.instrument_id == inst.id and r.instrument == "TB--1 - Turbidímetro"
    # every record is audited; the dashboard list warns 15 days ahead
    assert db.scalars(select(AuditLog).where(AuditLog.model == "lims_instrument_record")).all()
    assert [i.code for i, _d in methods.due_soon(today(), 15)] == []
    _calibrate(inst, today(), today() + dt.timedelta(days=10))
    assert [(i.code, d) for i, d in methods.due_soon(today(), 15)] == [("TB--1", 10)]


def test_only_authorised_analysts_enter_results_of_a_method(db, make_user):
    analyst, other = make_user(Profile.ANALYST), make_user(Profile.ANALYST)
    m = _method(TU, analyst)
    r = rs.enter_result(sample(), TU, "0,8", analyst_id=analyst.id, entered_by_id=analyst.id)
    assert r.method_id == m.id and r.method == "Método de Turbidez (SMEWW 2130 B)"
    with pytest.raises(PermissionDenied) as err:
        rs.enter_result(sample(), TU, "0,8", analyst_id=other.id, entered_by_id=other.id)
    assert err.value.code == "analista_nao_habilitado" and "não está habilitado(a)" in err.value.message
    [c] = methods.competences(user_id=analyst.id)
    with pytest.raises(ValidationError):
        methods.revoke(c.id, by_id=None, reason="curto")
    methods.revoke(c.id, by_id=None, reason="reprovado no ensaio de proficiência")
    with pytest.raises(PermissionDenied):
        rs.enter_result(sample(), TU, "0,8", analyst_id=analyst.id, entered_by_id=analyst.id)


def test_coliform_analysed_after_its_holding_time_is_held_through_to_the_closing(db, make_user):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(CT)
    parameter_rules.save_rule(CT.id, {"prazo_horas": "30", "temp_min": "0", "temp_max": "10",
                                      "verificacoes": "1"}, user_id=sup.id)
    s = sample(system_id=981)
    r = rs.enter_result(s, CT, "Ausente", analysed_at=s.collected_at + dt.timedelta(hours=40),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    [h] = holds.undecided([r.id])[r.id]
    assert h.kind == HoldKind.HOLDING_TIME and "40,0 h após a coleta" in h.reason
    on_time = sample(system_id=981, day=16)
    ok = rs.enter_result(on_time, CT, "Ausente", analysed_at=on_time.collected_at
                         + dt.timedelta(hours=20), analyst_id=analyst.id, entered_by_id=analyst.id)
    assert holds.undecided([ok.id]) == {}
    db.commit()
    with pytest.raises(Conflict):
        validation.validate([r.id], sup.id)
    listed = closing_report.held_results(981, Y, M)
    assert [(x["sample_code"], x["accepted"]) for x in listed] == [(s.code, False)]
    holds.decide([h.id], HoldDecision.ACCEPT, "ausência confirmada; atraso no transporte", sup.id)
    validation.validate([r.id, ok.id], sup.id)
    [x] = closing_report.held_results(981, Y, M)
    assert x["accepted"] and x["justification"] == "ausência confirmada; atraso no transporte"
    assert x["kind"] == "Análise após o prazo de validade da amostra" and x["decided_by"] == sup.name
    from lims.services import closing

    c = closing.close_month(981, Y, M, user_id=sup.id)
    assert [h["sample_code"] for h in c.report["held"]] == [s.code]  # on the closing's record


def test_sample_received_out_of_temperature_is_held(db, make_user):
    analyst = make_user(Profile.ANALYST)
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(CT)
    parameter_rules.save_rule(CT.id, {"prazo_horas": "30", "temp_max": "10"}, user_id=None)
    s = sample(system_id=982)
    db.get(Sample, s.id).arrival_temperature = D("14.5")
    r = rs.enter_result(s, CT, "Ausente", analysed_at=s.collected_at + dt.timedelta(hours=3),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    [h] = holds.undecided([r.id])[r.id]
    assert h.kind == HoldKind.TEMPERATURE and "14,5 °C" in h.reason and "até 10,0 °C" in h.reason


def test_uncertainty_guard_band_and_the_decision_rule_on_the_report(db, make_user):
    analyst = make_user(Profile.ANALYST)
    _method(TU, analyst, de="0", ate="10", u_rel="10")
    s1 = sample(system_id=983, day=10)
    r1 = rs.enter_result(s1, TU, "4,8", analyst_id=analyst.id, entered_by_id=analyst.id)
    assert (r1.uncertainty, r1.verdict, r1.decision_rule) == (D("0.48"), "conforme", "valor")
    parameter_rules.save_rule(TU.id, {"regra_decisao": "banda_de_guarda"}, user_id=None)
    s2 = sample(system_id=983, day=11)
    r2 = rs.enter_result(s2, TU, "4,8", analyst_id=analyst.id, entered_by_id=analyst.id)
    assert r2.verdict == "nao_conforme" and r2.decision_rule == "banda_de_guarda"
    title, head, body = reports.REPORTS["incerteza"][1](983, Y, M)
    assert "ISO/IEC 17025 7.8.6" in title and "k = 2" in title and "Regra de decisão" in head
    rows = {row[0]: row for row in body}
    assert rows[s1.code][5] == "4,8 ± 0,48 uT" and rows[s1.code][7] == "Aceitação simples: valor medido contra o VMP"
    assert rows[s2.code][7] == "Banda de guarda: conforme se valor + U atende ao VMP" and rows[s2.code][8] == "Não conforme"
    with pytest.raises(ValidationError):  # overlapping ranges
        methods.save_range(r1.method_id, {"de": "5", "ate": "20", "u_abs": "0,5"}, user_id=None)


def test_two_verifications_need_two_different_supervisors(db, make_user):
    analyst = make_user(Profile.ANALYST)
    sup1, sup2 = make_user(Profile.SUPERVISOR), make_user(Profile.SUPERVISOR)
    from tests.lims.part1_rows import ensure_parameter
    ensure_parameter(TU)
    parameter_rules.save_rule(TU.id, {"verificacoes": "2"}, user_id=None)
    r = rs.enter_result(sample(system_id=984), TU, "0,8", analyst_id=analyst.id,
                        entered_by_id=analyst.id)
    assert validation.validate([r.id], sup1.id) == []  # first verification: not yet validated
    assert r.state == ResultState.ENTERED
    assert validation.pending_validation() and "1 de 2 verificações" in \
        validation_progress(r)
    with pytest.raises(Conflict) as err:
        validation.validate([r.id], sup1.id)
    assert err.value.code == "verificacao_repetida"
    with pytest.raises(PermissionDenied):  # four eyes still holds
        validation.validate([r.id], analyst.id)
    [v] = validation.validate([r.id], sup2.id)
    assert v.state == ResultState.VALIDATED and v.validated_by_id == sup2.id
    recs = db.scalars(select(ResultVerification).where(ResultVerification.result_id == r.id)
                      .order_by(ResultVerification.seq)).all()
    assert [(x.user_id, x.seq) for x in recs] == [(sup1.id, 1), (sup2.id, 2)]


def validation_progress(r) -> str:
    from lims.services import verifications
    return verifications.progress([r])[r.id]


def test_one_verification_by_default_is_recorded(db, make_user):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    r = rs.enter_result(sample(system_id=985), TU, "0,8", analyst_id=analyst.id,
                        entered_by_id=analyst.id)
    [v] = validation.validate([r.id], sup.id)
    assert v.state == ResultState.VALIDATED
    assert db.scalars(select(ResultVerification.user_id).where(
        ResultVerification.result_id == r.id)).all() == [sup.id]


def test_seeded_rules_are_sourced_and_unverified(db):
    from lims.seed import seed_reference
    seed_reference()  # the catalogue; the holding rules wait for a Gestor (or the demo)
    assert all(r is None for _p, r in parameter_rules.listing())
    assert parameter_rules.seed_rules() == 8
    rows = {p.code: r for p, r in parameter_rules.listing() if r is not None}
    ct = rows["coliformes_totais"]
    assert ct.max_hours == 30 and ct.temp_max == 10 and ct.unverified and "SMEWW" in ct.source
    assert all(r.unverified for r in rows.values())
    assert parameter_rules.seed_rules() == 0  # idempotent
