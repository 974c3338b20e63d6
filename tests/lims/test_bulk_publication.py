"""Publication in set-based statements (issue 17): results and their samples change state in
bulk UPDATEs, and the audit history stays complete: one row per changed record with who,
when, old value, new value and reason, the same rows the row-by-row path wrote."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit import Actor, AuditLog, audit_context
from core.auth import Profile
from core.db import utcnow
from lims.domain.samples import SampleState as S
from lims.models.results import Result, ResultState
from lims.models.samples import Sample
from lims.services import closing, samples, validation
from lims.services import results as rs
from tests.lims.part1_rows import small_system

DAY = dt.date(2026, 11, 10)
CODES = ("coliformes_totais", "escherichia_coli", "cloro_residual_livre")


def _validated_sample(w, analyst, sup, *, validate_all: bool = True) -> tuple[int, list[int]]:
    s = samples.create_sample(w["points"]["R1"].id, DAY, [w["params"][c].id for c in CODES])
    at = dt.datetime(2026, 11, 10, 13, tzinfo=dt.UTC)
    for st, kw in ((S.AWAITING_COLLECTION, {}), (S.COLLECTED, {"collected_at": at}),
                   (S.AWAITING_ANALYSIS, {"received_at": at + dt.timedelta(hours=1)})):
        samples.transition(s.id, st, user_id=sup.id, **kw)
    (ref, params), = samples.awaiting_analysis_refs(sample_id=s.id)
    ids = [rs.enter_result(ref, p, "Ausente" if p.limit.absence else "1,1", analyst_id=analyst.id,
                           entered_by_id=analyst.id).id for p in params]
    validation.validate(ids if validate_all else ids[:1], sup.id)
    return s.id, ids


def _row_by_row(db, result_ids: list[int]) -> None:
    """The publication as it was written before issue 17 (kept here as the reference): each
    result changed through the ORM (the flush hook audits it), each sample by `transition`."""
    now = utcnow()
    with audit_context(reason="publicação de resultados validados"):
        touched = set()
        for r in db.scalars(select(Result).where(Result.id.in_(result_ids),
                                                 Result.state == ResultState.VALIDATED)):
            r.state, r.published_at = ResultState.PUBLISHED, now
            touched.add(r.sample_id)
        db.flush()
        for sid in touched:
            samples.results_published(sid)


def _audit(db, model: str, ids) -> dict[str, list[AuditLog]]:
    rows = db.scalars(select(AuditLog).where(AuditLog.model == model,
                                             AuditLog.row_id.in_([str(i) for i in ids]))
                      .order_by(AuditLog.id))
    out: dict[str, list[AuditLog]] = {str(i): [] for i in ids}
    for a in rows:
        out[a.row_id].append(a)
    return out


def _shape(a: AuditLog, published_at: str | None) -> tuple:
    """What must be identical between the two paths: who, action, reason, the fields and their
    old / new values (the publication time is checked against the record instead)."""
    changes = dict(a.changes)
    if "published_at" in changes:
        old, new = changes["published_at"]
        assert new == published_at  # when it was published, as stored on the record
        changes["published_at"] = [old, "<published_at>"]
    return (a.action, a.model, a.user_id, a.username, a.reason,
            tuple(sorted((k, tuple(v)) for k, v in changes.items())))


def _published_audit(db, before: int, sample_ids, result_ids) -> list[tuple]:
    """The audit rows written by the publication (after audit id `before`): exactly one per
    changed result and one per changed sample, as shapes in record order."""
    out = []
    for model, ids in (("lims_result", result_ids), ("lims_sample", sample_ids)):
        for rid, rows in _audit(db, model, ids).items():
            new = [a for a in rows if a.id > before]
            assert len(new) == 1, (model, rid, [a.changes for a in new])
            at = (db.get(Result, int(rid)).published_at.isoformat() if model == "lims_result"
                  else None)
            assert new[0].at is not None
            out.append(_shape(new[0], at))
    return out


def test_bulk_publication_writes_the_audit_rows_of_the_row_by_row_path(db, make_user):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    w = small_system()
    old = [_validated_sample(w, analyst, sup) for _ in range(3)]
    new = [_validated_sample(w, analyst, sup) for _ in range(3)]
    # a sample with one result still waiting for validation: its validated result is
    # published, the sample stays (the domain's path from AGUARDANDO VALIDACAO is empty)
    partial_old = _validated_sample(w, analyst, sup, validate_all=False)
    partial_new = _validated_sample(w, analyst, sup, validate_all=False)
    old.append((partial_old[0], partial_old[1][:1]))
    new.append((partial_new[0], partial_new[1][:1]))
    who = Actor(sup.id, sup.username)

    before = db.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    with audit_context(actor=who):
        _row_by_row(db, [r for _, ids in old for r in ids])
    mid = db.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    with audit_context(actor=who):
        n = validation.publish_results(supervisor_id=sup.id,
                                       result_ids=[r for _, ids in new for r in ids])
    assert n == 10
    moved_old = [sid for sid, _ in old[:3]]
    moved_new = [sid for sid, _ in new[:3]]
    expected = _published_audit(db, before, moved_old, [r for _, ids in old for r in ids])
    got = _published_audit(db, mid, moved_new, [r for _, ids in new for r in ids])
    assert got == expected
    assert {s[2:4] for s in got} == {(sup.id, sup.username)}
    assert ("update", "lims_sample", sup.id, sup.username,
            "Validada -> Publicada: resultados publicados",
            (("state", ("VALIDADA", "PUBLICADA")),)) in got
    # nothing else was audited by either path (the partial samples did not move)
    assert db.scalars(select(AuditLog).where(AuditLog.id > mid)).all().__len__() == len(got)
    for sid, ids in new:
        state = db.get(Sample, sid).state  # the session's objects follow the bulk UPDATE
        assert state is (S.AWAITING_VALIDATION if sid == partial_new[0] else S.PUBLISHED)
        assert all(db.get(Result, r).state == ResultState.PUBLISHED for r in ids)
    db.expire_all()  # and so does the database
    assert db.get(Sample, moved_new[0]).state is S.PUBLISHED
    assert db.get(Sample, partial_new[0]).state is S.AWAITING_VALIDATION
    # publishing again changes and audits nothing
    assert validation.publish_results(supervisor_id=sup.id, result_ids=new[0][1]) == 0
    assert len(db.scalars(select(AuditLog).where(AuditLog.id > mid)).all()) == len(got)


def test_close_month_publishes_in_bulk_with_one_audit_row_per_record(db, make_user):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    w = small_system()
    made = [_validated_sample(w, analyst, sup) for _ in range(4)]
    before = db.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    closing.close_month(w["system"].id, DAY.year, DAY.month, user_id=sup.id,
                        auto_publish=True, population=12_000, required={}, planned={},
                        collected={})
    results = [r for _, ids in made for r in ids]
    shapes = _published_audit(db, before, [sid for sid, _ in made], results)
    assert len(shapes) == len(results) + len(made)
    assert {s[4] for s in shapes} == {"publicação de resultados validados",
                                      "Validada -> Publicada: resultados publicados"}
