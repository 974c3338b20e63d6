"""LIMS services: validation (four eyes), supervisor correction, reanalysis, cancellation,
publication, and the non-conformity event. Every change is audited with its reason."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update

from core.audit import audit_context, record_updates
from core.db import chunks, ids_in, session, transactional, utcnow
from core.errors import Conflict, PermissionDenied, ValidationError
from core.events import publish
from lims.domain.vmp import Verdict
from lims.events import SampleNonConformant
from lims.models.catalogue import Parameter
from lims.models.results import Result, ResultState, SupersedeKind
from lims.services import (
    extra_samples,
    holds,
    limits,
    month_lock,
    parameter_rules,
    recoleta,
    samples,
    sensor_lab,
    verifications,
)
from lims.services import results as rs
from lims.services import samples as sample_svc
from lims.services.limits import general_limit
from lims.services.results import (
    ParameterRef,
    SampleRef,
    after_validation,
    get,
    resolve_parameter,
    sum_checks,
)

log = logging.getLogger(__name__)

MIN_REASON = 10


def _reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        msg = f"Informe a justificativa da {what} (mínimo de {MIN_REASON} caracteres)."
        raise ValidationError(msg, fields={"justificativa": [msg]})
    return reason


def _open(r: Result) -> None:
    if r.system_id is not None and r.collected_on is not None:
        month_lock.assert_open(r.system_id, r.collected_on, r.point_id)


@transactional
def validate(result_ids: Iterable[int], supervisor_id: int) -> list[Result]:
    """Validate results (per sample or in bulk). The supervisor must not be the analyst nor the
    person who typed the result. Non-conforming results publish SampleNonConformant once."""
    out = []
    result_ids = list(result_ids)
    holds.assert_not_held(result_ids)  # QC, holding time, temperature: a Supervisor decides first
    # many at once (a sample's results): the results, their verifications and their rules in
    # three queries, not three a result (the results held so that get() finds them)
    held = list(session.scalars(select(Result).where(ids_in(Result.id, result_ids)))) \
        if len(result_ids) > 1 else []
    prior = verifications.verifications_of(result_ids)
    rules = parameter_rules.rules_of({r.parameter_id for r in held}) if held else None
    for rid in result_ids:
        r = get(rid)
        if r.state is not ResultState.ENTERED and r.state != ResultState.ENTERED.value:
            raise Conflict(f"O resultado de {r.parameter_name} da amostra {r.sample_code} "
                           "não esta aguardando validação.")
        if supervisor_id in (r.analyst_id, r.entered_by_id):
            raise PermissionDenied(
                f"Quem analisou ou digitou o resultado de {r.parameter_name} da amostra "
                f"{r.sample_code} não pode valida-lo (quatro olhos).", code="quatro_olhos")
        _open(r)
        need = None if rules is None else (rules[r.parameter_id].verifications
                                           if r.parameter_id in rules else 1)
        if not verifications.verify(r, supervisor_id, done=prior.setdefault(r.id, []),
                                    required=need):  # issue 20: n independent verifications
            continue
        r.state = ResultState.VALIDATED
        r.validated_by_id = supervisor_id
        r.validated_at = utcnow()
        out.append(r)
    session.flush()
    for r in out:
        _after_validation(r)
    for sid in {r.sample_id for r in out}:
        _sum_rules_at_validation(sid, [r for r in out if r.sample_id == sid])

    after_validation({r.sample_id for r in out})
    sensor_lab.pair_validated(out)  # the online value beside each result (issue 18)
    extra_samples.announce_validated({r.sample_id for r in out})
    del held
    return out


def _group_of(parameter_id: int) -> str:
    p = session.get(Parameter, parameter_id)
    return str(p.group or "") if p is not None else ""
def _sum_rules_at_validation(sample_id: int, validated: list[Result]) -> None:
    """Art. 39 at validation: when the validated results complete a sum rule (nitrate +
    nitrite) that fails, the sample is non-conforming: SampleNonConformant once."""
    for r in validated:
        if not limits.sum_rules_with(r.parameter_code):
            continue
        for s in sum_checks(sample_id, resolve_parameter(r.parameter_id, fallback=_refs(r)[1])):
            if s["verdict"] != Verdict.NONCONFORMING.value:
                continue
            terms = list(session.scalars(select(Result).where(
                Result.sample_id == sample_id, Result.state.in_(
                    [ResultState.VALIDATED, ResultState.PUBLISHED]))))
            if any(t.nonconformity_notified for t in terms
                   if t.parameter_code in {x for rr in limits.sum_rules() if rr.code == s["codigo"]
                                           for x in rr.terms}):
                continue
            r.nonconformity_notified = True
            publish(SampleNonConformant(
                sample_id=r.sample_id, sample_code=r.sample_code, result_id=r.id,
                parameter_code=str(s["codigo"]), parameter_name=str(s["nome"]),
                value=str(s["soma"]), unit="", vmp=str(s["regra"]), point_id=r.point_id or 0,
                point_code=r.point_code, point_name=r.point_name, system_id=r.system_id or 0,
                system_name=r.system_name, collected_at=r.collected_at, severity="media"))


def _after_validation(r: Result) -> None:
    if r.verdict == Verdict.NONCONFORMING.value and not r.nonconformity_notified:
        r.nonconformity_notified = True
        publish(SampleNonConformant(
            sample_id=r.sample_id, sample_code=r.sample_code, result_id=r.id,
            parameter_code=r.parameter_code, parameter_name=r.parameter_name, value=r.value_text,
            unit=r.unit, vmp=r.standard, point_id=r.point_id or 0, point_code=r.point_code,
            point_name=r.point_name, system_id=r.system_id or 0, system_name=r.system_name,
            collected_at=r.collected_at,
            severity="alta" if r.parameter_code in ("coliformes_totais", "escherichia_coli")
            else "media", parameter_group=_group_of(r.parameter_id),
        ))

        recoleta.on_validated_positive(r)


@transactional
def correct(result_id: int, new_text: str, reason: str, supervisor_id: int, *,
            confirm_implausible: bool = False, method: str | None = None) -> Result:
    """Supervisor correction of a validated value: a new validated row replaces the old one,
    which stays visible in the history with the justification. `method` says how the new value
    was measured (a lab correction of a field reading); by default the old method stays."""
    reason = _reason(reason, "correcao")
    old = get(result_id)
    if old.state not in (ResultState.VALIDATED, ResultState.PUBLISHED, ResultState.ENTERED):
        raise Conflict("Só um resultado vigente pode ser corrigido.")
    _open(old)
    sample, param = _refs(old)
    with audit_context(reason=f"correção: {reason}"):
        new = rs.enter_result(sample, param, new_text, analysed_at=old.analysed_at,
                              analyst_id=old.analyst_id, entered_by_id=supervisor_id,
                              method=method or old.method, instrument=old.instrument,
                              report_id=old.report_id, confirm_implausible=confirm_implausible,
                              observation=old.observation, supersedes=old)
        was_published = old.state is ResultState.PUBLISHED
        old.state = ResultState.SUPERSEDED
        old.superseded_by_id = new.id
        old.supersede_kind = SupersedeKind.CORRECTION.value
        old.change_reason = reason
        new.supersedes_id = old.id
        new.supersede_kind = SupersedeKind.CORRECTION.value
        new.change_reason = reason
        new.state = ResultState.VALIDATED
        new.validated_by_id = supervisor_id
        new.validated_at = utcnow()
        if was_published:
            new.state = ResultState.PUBLISHED
            new.published_at = utcnow()
        session.flush()
        _after_validation(new)
    sensor_lab.pair_validated([new])  # the corrected value beside the online one (issue 18)
    return new


@transactional
def reanalyse(result_id: int, reason: str, supervisor_id: int) -> Result:
    """The supervisor does not confirm a result: it is kept (substituido, reanalise) and the
    parameter goes back to the analyst for a new analysis."""
    reason = _reason(reason, "reanalise")
    r = get(result_id)
    if r.state not in (ResultState.ENTERED, ResultState.VALIDATED):
        raise Conflict("Só resultados aguardando validação ou validados podem ir para reanálise.")
    _open(r)
    with audit_context(reason=f"reanálise: {reason}"):
        r.state = ResultState.SUPERSEDED
        r.supersede_kind = SupersedeKind.REANALYSIS.value
        r.change_reason = reason
        session.flush()
    # the sample waits for the new analysis again (named transition, guarded in the domain)

    samples.sent_back_for_reanalysis(r.sample_id, reason)
    return r


@transactional
def cancel(result_id: int, reason: str, user_id: int) -> Result:
    reason = _reason(reason, "cancelamento")
    r = get(result_id)
    if r.state in (ResultState.SUPERSEDED, ResultState.CANCELLED):
        raise Conflict("O resultado já foi substituído ou cancelado.")
    _open(r)
    with audit_context(reason=f"cancelamento: {reason}"):
        r.state = ResultState.CANCELLED
        r.change_reason = reason
        session.flush()
    return r


@transactional
def publish_results(*, supervisor_id: int | None, point_id: int | None = None,
                    result_ids: Iterable[int] | None = None, system_id: int | None = None,
                    year: int | None = None, month: int | None = None) -> int:
    """Validated results become PUBLICADA (per point, per list, or per closed month), and their
    samples follow, in set-based statements: one locking SELECT, one UPDATE per chunk of
    results and of samples, one executemany INSERT of audit rows (one per changed record,
    the same rows the row-by-row path wrote)."""
    stmt = select(Result.id, Result.sample_id, Result.published_at).where(
        Result.state == ResultState.VALIDATED)
    if point_id is not None:
        stmt = stmt.where(Result.point_id == point_id)
    if result_ids is not None:
        stmt = stmt.where(Result.id.in_(list(result_ids)))
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    if year and month:
        first = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        stmt = stmt.where(Result.collected_on >= first, Result.collected_on < nxt)
    rows = session.execute(stmt.order_by(Result.id).with_for_update()).all()
    now = utcnow()
    with audit_context(reason="publicação de resultados validados"):
        for part in chunks([r.id for r in rows]):
            session.execute(update(Result).where(ids_in(Result.id, part))
                            .values(state=ResultState.PUBLISHED, published_at=now, updated_at=now)
                            .execution_options(synchronize_session="evaluate"))
        record_updates(Result, {r.id: {"state": (ResultState.VALIDATED, ResultState.PUBLISHED),
                                       "published_at": (r.published_at, now)} for r in rows})
        sample_svc.results_published_many({r.sample_id for r in rows})
    return len(rows)


def _awaiting_stmt(*, system_id: int | None = None, point_id: int | None = None,
                   year: int | None = None, month: int | None = None):  # type: ignore[no-untyped-def]
    stmt = select(Result).where(Result.state == ResultState.VALIDATED)
    if system_id:
        stmt = stmt.where(Result.system_id == system_id)
    if point_id:
        stmt = stmt.where(Result.point_id == point_id)
    if year and month:
        first = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        stmt = stmt.where(Result.collected_on >= first, Result.collected_on < nxt)
    return stmt


def awaiting_publication(*, system_id: int | None = None, point_id: int | None = None,
                         year: int | None = None, month: int | None = None,
                         limit: int = 1000) -> list[Result]:
    """Validated results not yet public (the publication page's preview), oldest first."""
    stmt = _awaiting_stmt(system_id=system_id, point_id=point_id, year=year, month=month)
    return list(session.scalars(stmt.order_by(Result.collected_on, Result.point_name,
                                              Result.sample_code, Result.parameter_name)
                                .limit(limit)))


def awaiting_publication_count(subquery: bool = False) -> Any:
    """How many results are validated and not yet published; subquery=True: as a column
    another statement selects (the home page's cards, one statement)."""
    stmt = select(func.count()).select_from(Result).where(Result.state == ResultState.VALIDATED)
    return stmt.scalar_subquery() if subquery else session.scalar(stmt) or 0


def pending_validation(limit: int = 500) -> list[Result]:
    return list(session.scalars(select(Result).where(Result.state == ResultState.ENTERED)
                                .order_by(Result.collected_on, Result.sample_code).limit(limit)))


def _refs(r: Result):  # type: ignore[no-untyped-def]
    """Rebuild the references of an existing result (for a correction)."""
    sample = SampleRef(id=r.sample_id, code=r.sample_code, point_id=r.point_id,
                       point_code=r.point_code, point_name=r.point_name,
                       point_kind=r.point_kind or "", system_id=r.system_id,
                       system_name=r.system_name, collected_at=r.collected_at,
                       is_recoleta=r.is_recoleta)
    param = resolve_parameter(r.parameter_id, fallback=ParameterRef(
        id=r.parameter_id, code=r.parameter_code, name=r.parameter_name, unit=r.unit,
        limit=_limit_from_rules(r.parameter_code), ld=r.ld, lq=r.lq, method=r.method))
    return sample, param


def _limit_from_rules(code: str):  # type: ignore[no-untyped-def]
    return general_limit(code)
