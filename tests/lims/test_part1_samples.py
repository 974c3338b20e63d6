"""The sample lifecycle through the services on PostgreSQL: audited transitions, illegal moves
change nothing, cancel with a reason, reprogramming keeps the history, release for a day, the
results hooks (part 2 drives AGUARDANDO VALIDACAO -> VALIDADA -> PUBLICADA), and a recoleta at
the real upstream/downstream neighbours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import IllegalTransition, ValidationError
from lims.domain.samples import SampleState as S
from lims.models.results import Recoleta
from lims.services import results as rs
from lims.services import samples, validation
from tests.lims.part1_rows import small_system

DAY = dt.date(2026, 11, 10)


def _sample(w, point="R1", codes=("coliformes_totais", "escherichia_coli", "cloro_residual_livre"),
            user_id=None):
    return samples.create_sample(w["points"][point].id, DAY, [w["params"][c].id for c in codes],
                                 user_id=user_id)


def _history(db, sid):
    return list(db.scalars(select(AuditLog).where(AuditLog.model == "lims_sample",
                                                  AuditLog.row_id == str(sid)).order_by(AuditLog.id)))


def test_full_cycle_audited_and_illegal_moves_change_nothing(db, make_user):
    col, dist = make_user(Profile.COLLECTOR), make_user(Profile.DISTRIBUTOR)
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    w = small_system()
    s = _sample(w, user_id=sup.id)
    assert s.state is S.SCHEDULED and s.code.startswith("A2611") and samples.get_by_code(s.code.lower()) is s
    with pytest.raises(IllegalTransition):
        samples.transition(s.id, S.COLLECTED, user_id=col.id)
    assert samples.get(s.id).state is S.SCHEDULED and samples.get(s.id).collected_at is None
    with pytest.raises(ValidationError):  # only known columns may be set
        samples.transition(s.id, S.AWAITING_COLLECTION, user_id=sup.id, state="PUBLICADA")
    assert samples.release_day(DAY, system_id=w["system"].id, user_id=sup.id) == [s]
    at = dt.datetime(2026, 11, 10, 13, tzinfo=dt.UTC)
    samples.transition(s.id, S.COLLECTED, user_id=col.id, reason="coleta na rota 1", collected_at=at,
                       collected_by_id=col.id, latitude=-22.92, longitude=-47.06,
                       field_readings={"cloro_residual_livre": "1,2"})
    samples.transition(s.id, S.AWAITING_ANALYSIS, user_id=dist.id, reason="recebida",
                       received_at=at + dt.timedelta(hours=2), received_by_id=dist.id,
                       arrival_temperature=Decimal("4.5"), assigned_analyst_id=analyst.id)
    hist = _history(db, s.id)
    assert [h.action for h in hist] == ["insert", "update", "update", "update"]
    assert hist[2].user_id == col.id and "Aguardando coleta -> Coletada: coleta na rota 1" in hist[2].reason
    assert hist[2].changes["state"] == ["AGUARDANDO COLETA", "COLETADA"]
    # part 2 drives the rest through the hooks
    ref = samples.sample_ref(s.id)
    assert (ref.point_kind, ref.upstream, ref.downstream) == (
        "rede", (w["points"]["RES"].id,), (w["points"]["R2"].id,))
    waiting = dict(samples.awaiting_analysis_refs(sample_id=s.id))
    params = next(iter(waiting.values()))
    assert {p.code for p in params} == {"coliformes_totais", "escherichia_coli", "cloro_residual_livre"}
    cl = next(p for p in params if p.code == "cloro_residual_livre")
    assert cl.limit.minimum is None and cl.limit.maximum == Decimal("5.0")  # the general VMP
    from lims.services import limits
    assert limits.general_limit("cloro_residual_livre").minimum == Decimal("0.2")  # + Art. 32
    ids = [rs.enter_result(ref, p, "Ausente" if p.limit.absence else "1,1", analyst_id=analyst.id,
                           entered_by_id=analyst.id).id for p in params]
    assert samples.get(s.id).state is S.AWAITING_VALIDATION
    validation.validate(ids, sup.id)
    assert samples.get(s.id).state is S.VALIDATED
    with pytest.raises(IllegalTransition):  # too late to cancel
        samples.cancel_sample(s.id, reason="pedido da diretoria", user_id=sup.id)
    validation.publish_results(supervisor_id=sup.id, result_ids=ids)
    assert samples.get(s.id).state is S.PUBLISHED
    samples.on_results_state(s.id, "VALIDADA", "correcao")  # a later correction: no-op
    assert samples.get(s.id).state is S.PUBLISHED


def test_cancel_needs_a_reason_in_every_state_before_validada(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system()
    for target in (S.SCHEDULED, S.AWAITING_COLLECTION, S.COLLECTED, S.AWAITING_ANALYSIS):
        s = _sample(w)
        path = [S.AWAITING_COLLECTION, S.COLLECTED, S.AWAITING_ANALYSIS]
        for st in path[:path.index(target) + 1] if target in path else []:
            samples.transition(s.id, st, user_id=sup.id)
        with pytest.raises(ValidationError):
            samples.cancel_sample(s.id, reason=" ", user_id=sup.id)
        assert samples.get(s.id).state is target
        samples.cancel_sample(s.id, reason="ponto interditado", user_id=sup.id)
        assert (s.state, s.cancel_reason) == (S.CANCELLED, "ponto interditado")
        with pytest.raises(IllegalTransition):
            samples.cancel_sample(s.id, reason="de novo, por engano", user_id=sup.id)


def test_reprogramming_keeps_history_and_leaves_the_route(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system()
    s = _sample(w)
    samples.release_day(DAY, user_id=sup.id)
    s.route_id = 77  # on a route (H-field's table sets this)
    db.flush()
    with pytest.raises(ValidationError):
        samples.reprogram(s.id, DAY + dt.timedelta(days=2), reason="", user_id=sup.id)
    samples.reprogram(s.id, DAY + dt.timedelta(days=2), reason="portao fechado, sem acesso",
                      user_id=sup.id)
    assert (s.state, s.scheduled_for, s.route_id, s.reprogram_count) == (
        S.SCHEDULED, DAY + dt.timedelta(days=2), None, 1)
    reasons = [h.reason for h in _history(db, s.id)]
    assert any("reprogramada de 10/11/2026 para 12/11/2026: portao fechado" in (r or "") for r in reasons)
    samples.transition(s.id, S.AWAITING_COLLECTION, user_id=sup.id)
    samples.transition(s.id, S.COLLECTED, user_id=sup.id)
    with pytest.raises(ValidationError) as e:
        samples.reprogram(s.id, DAY + dt.timedelta(days=5), reason="tarde demais", user_id=sup.id)
    assert e.value.code == "nao_reprogramavel"


def test_recoleta_creates_samples_at_the_real_neighbours(db, make_user):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    w = small_system()
    s = _sample(w, point="R2")
    for st in (S.AWAITING_COLLECTION, S.COLLECTED, S.AWAITING_ANALYSIS):
        samples.transition(s.id, st, user_id=sup.id,
                           **({"collected_at": dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)}
                              if st is S.COLLECTED else {}))
    ref = samples.sample_ref(s.id)
    ct = rs.resolve_parameter(w["params"]["coliformes_totais"].id)
    r = rs.enter_result(ref, ct, "Presente", analyst_id=analyst.id, entered_by_id=analyst.id)
    validation.validate([r.id], sup.id)
    recs = list(db.scalars(select(Recoleta).where(Recoleta.original_result_id == r.id)))
    pts = w["points"]
    assert {x.point_id for x in recs} == {pts["R2"].id, pts["R1"].id, pts["R3"].id}
    new = [samples.get(x.sample_id) for x in recs]
    assert all(n.is_recoleta and n.origin_sample_id == s.id and n.state is S.AWAITING_COLLECTION
               and n.code.startswith("R") for n in new)
    assert {sp.parameter.code for sp in new[0].parameters} >= {"coliformes_totais", "escherichia_coli"}
    from lims.services import recoleta

    recoleta.cancel(recs[0].id, "ponto sem acesso nesta semana", sup.id)
    assert samples.get(recs[0].sample_id).state is S.CANCELLED
