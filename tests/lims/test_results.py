"""Results, validation (four eyes), corrections, reanalysis, cancellation, non-conformity,
recoleta, closing lock and the public quality API, at the service layer on PostgreSQL.

Samples and parameters are given as the small references the services take (SampleRef,
ParameterRef); `sample()` also writes the matching part 1 rows (tests/lims/part1_rows.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import Conflict, PermissionDenied, ValidationError
from core.events import OutboxMessage
from lims import api
from lims.domain.vmp import Limit
from lims.models.results import Recoleta, Result, ResultState
from lims.services import closing, recoleta, stoppages, validation
from lims.services import results as rs

UTC = dt.UTC
PREV = dt.date.today().replace(day=1) - dt.timedelta(days=1)  # last day of the previous month
Y, M = PREV.year, PREV.month

CT = rs.ParameterRef(1001, "coliformes_totais", "Coliformes totais", "", Limit(absence=True))
EC = rs.ParameterRef(1002, "escherichia_coli", "Escherichia coli", "", Limit(absence=True))
CL = rs.ParameterRef(1003, "cloro_residual_livre", "Cloro residual livre", "mg/L",
                     Limit(minimum=D("0.2"), maximum=D("5.0")), ld=D("0.05"),
                     plausible_low=D("0"), plausible_high=D("10"))
TU = rs.ParameterRef(1004, "turbidez", "Turbidez", "uT", Limit(maximum=D("5.0")),
                     plausible_low=D("0"), plausible_high=D("1000"))

_seq = iter(range(50_000, 99_999))


def sample(kind="rede", day=15, system_id=901, recoleta_=False, point_id=None):
    """A received sample (AGUARDANDO ANALISE) of part 1, as the reference part 2 takes."""
    from tests.lims.part1_rows import ensure_sample

    sid = next(_seq)
    ref = rs.SampleRef(id=sid, code=f"AM-{sid}", point_id=point_id or 700 + day % 5,
                       point_code=f"P{day % 5}", point_name=f"Ponto {day % 5}", point_kind=kind,
                       system_id=system_id, system_name="Sistema Teste",
                       collected_at=dt.datetime(Y, M, min(day, PREV.day), 12, tzinfo=UTC),
                       is_recoleta=recoleta_)
    ensure_sample(ref, (CT, EC, CL, TU))
    return ref


@pytest.fixture()
def people(make_user):
    return make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR), make_user(Profile.MANAGER)


def enter(s, p, text, analyst, **kw):
    return rs.enter_result(s, p, text, analysed_at=s.collected_at + dt.timedelta(hours=3),
                           analyst_id=analyst.id, entered_by_id=analyst.id, **kw)


def test_entry_checks_vmp_and_refuses_bad_input(db, people):
    analyst, _sup, _g = people
    s = sample()
    r = enter(s, CL, "0,15", analyst)
    assert (r.verdict, r.value, r.value_text, r.state) == ("nao_conforme", D("0.15"), "0,15",
                                                           ResultState.ENTERED)
    with pytest.raises(Conflict):
        enter(s, CL, "0,3", analyst)  # a second entry needs correction or reanalysis
    with pytest.raises(ValidationError) as e:
        enter(sample(), CL, "abc", analyst)
    assert "valor" in e.value.fields
    with pytest.raises(ValidationError) as e:  # outside the plausible range: confirm first
        enter(sample(), CL, "25", analyst)
    assert e.value.code == "fora_da_faixa_plausivel"
    r2 = enter(sample(), CL, "25", analyst, confirm_implausible=True)
    assert r2.outside_plausible_confirmed and r2.verdict == "nao_conforme"
    assert enter(sample(), TU, "< LD", analyst).verdict == "conforme"


def test_four_eyes_validation_nonconformity_event_and_recoleta(db, people):
    analyst, sup, _g = people
    r = enter(sample(), CT, "Presente", analyst)
    with pytest.raises(PermissionDenied):
        validation.validate([r.id], analyst.id)
    validation.validate([r.id], sup.id)
    assert r.state is ResultState.VALIDATED and r.validated_by_id == sup.id
    ev = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "SampleNonConformant")
                    .order_by(OutboxMessage.id.desc())).first()
    assert ev.payload["result_id"] == r.id and ev.payload["value"] == "Presente"
    assert ev.payload["severity"] == "alta" and ev.payload["vmp"] == "Ausência em 100 mL"
    recs = db.scalars(select(Recoleta).where(Recoleta.original_result_id == r.id)).all()
    assert [x.role for x in recs][:1] == ["mesmo_ponto"]
    assert recs[0].scheduled_for == r.analysed_at.date() + dt.timedelta(days=1)
    with pytest.raises(Conflict):  # validated twice
        validation.validate([r.id], sup.id)
    # hand cancellation of a recoleta needs a reason
    with pytest.raises(ValidationError):
        recoleta.cancel(recs[0].id, "", sup.id)
    recoleta.cancel(recs[0].id, "ponto interditado pela obra", sup.id)
    assert recs[0].state == "cancelada"


def test_reanalysis_sends_the_sample_back_to_the_lab(db, people):
    from lims.models.samples import Sample

    analyst, sup, _g = people
    s = sample()
    ids = [enter(s, p, v, analyst).id for p, v in ((CT, "Ausente"), (EC, "Ausente"),
                                                     (CL, "0,8"), (TU, "0,4"))]
    validation.validate(ids, sup.id)
    row = db.get(Sample, s.id)
    assert str(row.state) == "VALIDADA"
    validation.reanalyse(ids[2], "cloro incoerente com a leitura de campo", sup.id)
    assert str(row.state) == "AGUARDANDO ANALISE"  # via AGUARDANDO VALIDACAO, audited
    again = enter(s, CL, "0,9", analyst)
    assert again.state is ResultState.ENTERED and str(row.state) == "AGUARDANDO VALIDACAO"
    # only PUBLICADA data leaves the lab through lims.api
    validation.validate([again.id], sup.id)
    assert api.published_results(system_id=s.system_id) == []
    validation.publish_results(supervisor_id=sup.id, result_ids=[again.id])
    out = api.published_results(system_id=s.system_id)
    assert [x.parameter_code for x in out] == [CL.code]


def test_correction_keeps_history_reanalysis_and_cancel(db, people):
    analyst, sup, _g = people
    s = sample()
    r = enter(s, CL, "0,5", analyst)
    validation.validate([r.id], sup.id)
    with pytest.raises(ValidationError):
        validation.correct(r.id, "0,6", "curta", sup.id)
    new = validation.correct(r.id, "0,6", "erro de digitacao no boletim", sup.id)
    assert (r.state, r.superseded_by_id, new.supersedes_id) == (ResultState.SUPERSEDED, new.id, r.id)
    assert new.state is ResultState.VALIDATED and new.value == D("0.6")
    hist = rs.results_of_sample(s.id, history=True)
    assert [h.value_text for h in hist] == ["0,5", "0,6"]
    assert db.scalars(select(AuditLog).where(AuditLog.model == "lims_result",
                                             AuditLog.reason.like("correção:%"))).first()
    # reanalysis: the old result stays, a new analysis can be entered
    validation.reanalyse(new.id, "resultado não confirmado pelo supervisor", sup.id)
    again = enter(s, CL, "0,7", analyst)
    assert again.state is ResultState.ENTERED
    validation.cancel(again.id, "frasco quebrado no transporte", sup.id)
    assert again.state is ResultState.CANCELLED
    assert db.scalar(select(Result).where(Result.id == r.id)) is not None  # nothing deleted


def test_closing_locks_the_month_reopen_and_quality_api(db, people):
    analyst, sup, gestor = people
    sysid = 902
    ids = []
    for day in range(1, 21):
        ids.append(enter(sample(day=day, system_id=sysid), CT, "Ausente", analyst).id)
        ids.append(enter(sample(day=day, system_id=sysid), CL, "1,1", analyst).id)
    pos = enter(sample(day=21, system_id=sysid), CT, "Presente", analyst)
    # a negative recoleta does not clear the positive, and is not counted
    reco = enter(sample(day=22, system_id=sysid, recoleta_=True), CT, "Ausente", analyst)
    with pytest.raises(Conflict):  # pending validation blocks the closing
        closing.close_month(sysid, Y, M, user_id=gestor.id, population=19_999,
                            required={}, planned={}, collected={})
    validation.validate(ids + [pos.id, reco.id], sup.id)
    rows = {(r.parameter_code, r.where): r for r in closing.pre_closing(
        sysid, Y, M, population=19_999, treatment_type="filtracao_rapida",
        required={("coliformes_totais", "rede"): 20}, planned={}, collected={})}
    ct = rows[("coliformes_totais", "rede")]
    assert (ct.analysed, ct.conforming, ct.recoletas, ct.verdict) == (21, 20, 1, "conforme")
    assert "No máximo 1" in ct.rule and ct.required == 20
    assert ct.shortfall == 0 and "amostragem" not in ct.reason
    short = {(r.parameter_code, r.where): r for r in closing.pre_closing(
        sysid, Y, M, population=19_999, required={("cloro_residual_livre", "rede"): 30},
        planned={}, collected={})}[("cloro_residual_livre", "rede")]
    # 20 of 30 required analysed: the water conforms, the sampling falls short, and it says so
    assert (short.verdict, short.analysed, short.shortfall) == ("conforme", 20, 10)
    assert "amostragem abaixo do mínimo: 20 de 30 exigidas" in short.reason
    rows20k = {(r.parameter_code, r.where): r for r in closing.pre_closing(
        sysid, Y, M, population=20_000, required={}, planned={}, collected={})}
    assert rows20k[("coliformes_totais", "rede")].verdict == "conforme"  # 20/21 = 95,2%
    assert "95%" in rows20k[("coliformes_totais", "rede")].rule
    # nothing is published yet: the invoice sees no data
    q = api.quality_summary(sysid, Y, M)
    assert q.closed is False and {p.verdict for p in q.parameters} == {"sem_dados"}
    assert sum(p.analysed for p in q.parameters) == 0
    c = closing.close_month(sysid, Y, M, user_id=gestor.id, username=gestor.username,
                            population=19_999, required={}, planned={}, collected={},
                            auto_publish=True)
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "MonthClosed")
                      .order_by(OutboxMessage.id.desc())).first().payload["closing_id"] == c.id
    with pytest.raises(Conflict) as e:  # the month is locked
        enter(sample(day=3, system_id=sysid), TU, "1,0", analyst)
    assert e.value.code == "mes_fechado"
    with pytest.raises(Conflict):
        validation.correct(pos.id, "Ausente", "tentativa de alterar mês fechado", sup.id)
    q = api.quality_summary(sysid, Y, M)
    assert q.closed is True and q.system_name == "Sistema Teste"
    byc = {p.parameter_code: p for p in q.parameters}
    assert (byc["coliformes_totais"].analysed, byc["coliformes_totais"].conforming) == (21, 20)
    assert byc["cloro_residual_livre"].mean == 1.1
    assert byc["cloro_residual_livre"].verdict == "conforme"
    pub = api.published_results(system_id=sysid, parameter_code="coliformes_totais", limit=5)
    assert len(pub) == 5 and pub[0].collected_at >= pub[-1].collected_at
    assert {p.value for p in api.published_results(system_id=sysid, limit=100)} >= {"Presente", "1,1"}
    hist = api.quality_history(sysid, 2, until=(Y, M))
    assert [h.month for h in hist][-1] == M and hist[-1].closed
    with pytest.raises(ValidationError):
        closing.reopen_month(c.id, "", user_id=gestor.id)
    closing.reopen_month(c.id, "resultado de cloro transcrito errado", user_id=gestor.id)
    assert not closing.is_closed(sysid, Y, M)
    enter(sample(day=3, system_id=sysid), TU, "1,0", analyst)  # open again


def test_eta_stoppages_from_supervisory_are_idempotent(db):
    t0 = dt.datetime(Y, M, 10, 8, tzinfo=UTC)
    a = api.register_eta_stoppage("ETA-T", t0, reason="falta de energia", source_ref="scada:1")
    b = api.register_eta_stoppage("ETA-T", t0, reason="falta de energia", source_ref="scada:1")
    assert a == b
    api.end_eta_stoppage("ETA-T", t0 + dt.timedelta(hours=24), source_ref="scada:1")
    assert closing.stoppage_hours(["ETA-T"], Y, M) == 24.0
    with pytest.raises(ValidationError):
        api.register_eta_stoppage("ETA-T", t0, ended_at=t0 - dt.timedelta(hours=1))
    rows = {(r.parameter_code, r.where): r for r in closing.pre_closing(
        903, Y, M, population=48_000, required={("turbidez", "saida"): 360}, planned={},
        collected={}, eta_codes=["ETA-T"], codes=("turbidez",))}
    hours = closing.days_in(Y, M) * 24
    assert rows[("turbidez", "saida")].excused == int(360 * 24 / hours)
    d = stoppages.record_dosing("ETA-T", Y, M, "Sulfato de alumínio", D("1250.5"))
    assert stoppages.record_dosing("ETA-T", Y, M, "Sulfato de alumínio", D("1300")).id == d.id
