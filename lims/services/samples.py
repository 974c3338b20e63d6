"""LIMS services: the sample lifecycle.

Every state change goes through `transition` (the pure state machine in lims.domain.samples
decides; the audit log keeps who, when and why). Cancelling needs a reason and is possible in
any state before VALIDADA; reprogramming sets a new date with a reason (history kept in the
audit log, the plan's date stays in `planned_for`).

Part 2 (results/validation/recoleta) calls `on_results_state`, `awaiting_analysis_refs`,
`create_recoleta_sample`, `cancel_sample` and `demo_sample_refs`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import fmt
from core.audit import AuditLog
from core.db import get_or_404, ids_in, session, transactional
from core.errors import ValidationError
from lims.domain import samples as machine
from lims.domain.samples import SampleState
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.samples import Sample, SampleParameter
from lims.services import month_lock, samples_bulk
from lims.services.actor import acting
from lims.services.refs import AWAITING, SampleRef, active_pairs
from lims.services.refs import param_ref as _param_ref
from lims.services.registry import neighbours_map

log = logging.getLogger(__name__)

# columns `transition(..., **fields)` may set (everything else is refused)
TRANSITION_FIELDS = frozenset({
    "collected_at", "collected_by_id", "latitude", "longitude", "photo_path", "field_readings",
    "not_collected_reason", "received_at", "received_by_id", "arrival_temperature",
    "assigned_analyst_id", "assigned_lab_id", "cancel_reason", "scheduled_for", "route_id",
    "notes",
})


def get(sample_id: int) -> Sample:
    return get_or_404(Sample, sample_id, "Amostra não encontrada.")


def get_by_code(code: str) -> Sample | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return session.scalars(select(Sample).where(Sample.code == code)).first()


@transactional
def transition(sample_id: int, target: SampleState | str, *, user_id: int | None,
               reason: str = "", **fields: Any) -> Sample:
    """Move one sample to `target` (checked by the state machine), set the given column
    `fields`, audited with `reason`. An illegal move raises IllegalTransition and changes
    nothing."""
    unknown = set(fields) - TRANSITION_FIELDS
    if unknown:
        raise ValidationError(f"Campos que não podem ser alterados aqui: {', '.join(sorted(unknown))}.")
    s = get_or_404(Sample, sample_id, "Amostra não encontrada.", with_for_update=True)
    tgt = machine.coerce(target)
    machine.check_transition(s.state, tgt, reason)
    if tgt is SampleState.CANCELLED:
        fields.setdefault("cancel_reason", reason.strip())
    why = f"{machine.label(s.state)} -> {machine.label(tgt)}" + (f": {reason.strip()}" if reason.strip() else "")
    with acting(user_id, why):
        s.state = tgt
        for k, v in fields.items():
            setattr(s, k, v)
        session.flush()
    return s


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        msg = f"Informe o motivo do {what} (mínimo de 5 caracteres)."
        raise ValidationError(msg, fields={"motivo": [msg]})
    return reason


@transactional
def cancel_sample(sample_id: int, *, reason: str, user_id: int | None = None) -> Sample:
    """Cancel with a reason (any state before VALIDADA)."""
    return transition(sample_id, SampleState.CANCELLED, user_id=user_id,
                      reason=_reason(reason, "cancelamento"))


@transactional
def reprogram(sample_id: int, new_date: dt.date, *, reason: str,
              user_id: int | None = None) -> Sample:
    """New collection date with a reason; a sample already released for collection goes back
    to PROGRAMADA (off its route). The previous dates stay in the audit history."""
    reason = _reason(reason, "reprogramacao")
    s = get(sample_id)
    if s.state not in machine.REPROGRAMMABLE:
        raise ValidationError(f"Uma amostra {machine.label(s.state).lower()} não pode ser "
                              "reprogramada.", code="nao_reprogramavel")

    today = fmt.today()
    # the past only as far as the previous month (a late collection is registered, not
    # planned); closed months never (checked below)
    earliest = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    fmt.check_date(new_date, earliest=earliest, latest=today + dt.timedelta(days=365),
                   what="a nova data da coleta")
    if s.system_id is not None:
        month_lock.assert_open(s.system_id, new_date, s.point_id)
    if new_date == s.scheduled_for and s.state is SampleState.SCHEDULED:
        msg = "Escolha uma data diferente da atual."
        raise ValidationError(msg, fields={"data": [msg]})
    if s.state is SampleState.AWAITING_COLLECTION:
        s = transition(sample_id, SampleState.SCHEDULED, user_id=user_id,
                       reason=f"reprogramada para {new_date:%d/%m/%Y}: {reason}")
    with acting(user_id, f"reprogramada de {s.scheduled_for:%d/%m/%Y} para {new_date:%d/%m/%Y}: {reason}"):
        s.scheduled_for = new_date
        s.route_id = None
        s.reprogram_count = (s.reprogram_count or 0) + 1
        session.flush()
    return s


@transactional
def release_day(day: dt.date, *, system_id: int | None = None, user_id: int | None = None,
                sample_ids: Iterable[int] | None = None) -> list[Sample]:
    """PROGRAMADA -> AGUARDANDO COLETA for the samples of one day (what routes are built from)."""
    stmt = select(Sample).where(Sample.state == SampleState.SCHEDULED,
                                Sample.scheduled_for == day).order_by(Sample.id)
    if system_id is not None:
        stmt = stmt.where(Sample.system_id == system_id)
    if sample_ids is not None:
        stmt = stmt.where(Sample.id.in_(list(sample_ids)))
    out = list(session.scalars(stmt))
    with acting(user_id, f"liberada para coleta em {day:%d/%m/%Y}"):
        for s in out:
            machine.check_transition(s.state, SampleState.AWAITING_COLLECTION)
            s.state = SampleState.AWAITING_COLLECTION
        session.flush()
    return out


# -- codes ------------------------------------------------------------------------------------

def next_code(day: dt.date, *, prefix: str = "A") -> str:
    """Barcode of a new sample: prefix + YYMM + a 6-digit sequence (A2612000123)."""
    stem = f"{prefix}{day:%y%m}"
    last = session.scalars(select(func.max(Sample.code)).where(Sample.code.like(f"{stem}%"))).first()
    n = int(last[len(stem):]) + 1 if last and last[len(stem):].isdigit() else 1
    return f"{stem}{n:06d}"


class CodeSeq:
    """Hand out consecutive codes inside one unit of work (bulk generation)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, day: dt.date, prefix: str = "A") -> str:
        stem = f"{prefix}{day:%y%m}"
        if stem not in self._next:
            self._next[stem] = int(next_code(day, prefix=prefix)[len(stem):])
        n = self._next[stem]
        self._next[stem] = n + 1
        return f"{stem}{n:06d}"


@transactional
def create_sample(point_id: int, scheduled_for: dt.date, parameter_ids: Iterable[int], *,
                  user_id: int | None = None, plan_id: int | None = None,
                  section: str | None = None, reason: str = "amostra avulsa",
                  state: SampleState = SampleState.SCHEDULED, is_recoleta: bool = False,
                  origin_sample_id: int | None = None, code: str | None = None,
                  planned_for: dt.date | None = None, slot: int = 0) -> Sample:
    point = get_or_404(CollectionPoint, point_id, "Ponto de coleta não encontrado.")
    if not point.active:
        raise ValidationError(f"O ponto {point.code} esta inativo.")
    ids = list(dict.fromkeys(parameter_ids))
    if not ids:
        msg = "Escolha ao menos um parâmetro."
        raise ValidationError(msg, fields={"parametros": [msg]})
    found = set(session.scalars(select(Parameter.id).where(Parameter.id.in_(ids))))
    if missing := [i for i in ids if i not in found]:
        raise ValidationError(f"Parâmetros inexistentes: {missing}.")
    with acting(user_id, reason):
        s = Sample(code=code or next_code(scheduled_for, prefix="R" if is_recoleta else "A"),
                   state=state, point_id=point.id, system_id=point.system_id, plan_id=plan_id,
                   section=section, scheduled_for=scheduled_for, planned_for=planned_for,
                   slot=slot, is_recoleta=is_recoleta, origin_sample_id=origin_sample_id,
                   field_readings={})
        s.parameters = [SampleParameter(parameter_id=i) for i in ids]
        session.add(s)
        session.flush()
    return s


# -- part 2 hooks -----------------------------------------------------------------------------

@transactional
def create_recoleta_sample(*, original_sample_id: int, point_id: int, scheduled_for: dt.date,
                           reason: str, user_id: int | None = None) -> Sample:
    """A recoleta: AGUARDANDO COLETA at once, linked to the original, with the microbiological
    parameters of the original (coliformes totais / E. coli) or, failing those, all of them."""
    orig = get(original_sample_id)
    params = [sp.parameter for sp in orig.parameters]
    micro = [p.id for p in params if p.group == "microbiologico"]
    if not micro:
        micro = list(session.scalars(select(Parameter.id).where(
            Parameter.code.in_(["coliformes_totais", "escherichia_coli"]))))
    ids = micro or [p.id for p in params]
    point = session.get(CollectionPoint, point_id)
    if point is not None and point.kind != "saida_tratamento":
        ids += list(session.scalars(select(Parameter.id).where(
            Parameter.code.in_(["cloro_residual_livre", "turbidez"]))))
    return create_sample(point_id, scheduled_for, ids, user_id=user_id, is_recoleta=True,
                         origin_sample_id=orig.id, state=SampleState.AWAITING_COLLECTION,
                         reason=f"recoleta: {reason}", section="rede")


ORDER = {s: i for i, s in enumerate(machine.FLOW)}


def _follow(sample_id: int, path: tuple[SampleState, ...], reason: str) -> None:
    for state in path:
        transition(sample_id, state, user_id=None, reason=reason)


def _results_move(sample_id: int, move: machine.ResultsMove, reason: str = "") -> None:
    s = session.get(Sample, sample_id)
    if s is not None:  # the guard in lims.domain.samples decides; () = no-op
        _follow(sample_id, machine.results_path(move, s.state), reason or move.value)


def results_entered(sample_id: int) -> None:
    """Every result of the sample is in: AGUARDANDO ANALISE -> AGUARDANDO VALIDACAO."""
    _results_move(sample_id, machine.ResultsMove.ALL_ENTERED)


def results_validated(sample_id: int) -> None:
    """Every result is validated (four eyes): AGUARDANDO VALIDACAO -> VALIDADA."""
    _results_move(sample_id, machine.ResultsMove.ALL_VALIDATED)


def results_published(sample_id: int) -> None:
    """VALIDADA -> PUBLICADA."""
    _results_move(sample_id, machine.ResultsMove.PUBLISHED)


def results_published_many(sample_ids: Iterable[int]) -> int:
    """VALIDADA -> PUBLICADA for many samples in set-based statements (same audit rows)."""
    return samples_bulk.follow_many(sample_ids, machine.ResultsMove.PUBLISHED)


def sent_back_for_reanalysis(sample_id: int, reason: str) -> None:
    """The supervisor sent a result back: the sample waits for analysis again (from VALIDADA
    through AGUARDANDO VALIDACAO, the only backward steps allowed)."""
    _results_move(sample_id, machine.ResultsMove.SENT_BACK, f"reanalise: {reason}")


def on_results_state(sample_id: int, state: SampleState | str, reason: str) -> None:
    """Results moved the sample to `state` (AGUARDANDO VALIDACAO / VALIDADA / PUBLICADA). A move
    the results do not drive from the current state (e.g. a correction on a PUBLICADA sample)
    is a no-op: the results are the truth, the state only follows them."""
    s = session.get(Sample, sample_id)
    if s is not None:
        _follow(sample_id, machine.follow_state(s.state, state), reason)


def _refs_for(rows: list[Sample], places: tuple[dict, dict] | None = None,
              links_too: bool = True) -> list[Any]:
    """SampleRefs of `rows`; `places`: their points and systems by id, already read;
    links_too=False: without the upstream/downstream points (one query less)."""
    if not rows:
        return []
    points, systems = places or (
        {p.id: p for p in session.scalars(select(CollectionPoint).where(
            CollectionPoint.id.in_({s.point_id for s in rows})))},
        {s.id: s for s in session.scalars(select(SupplySystem).where(
            SupplySystem.id.in_({s.system_id for s in rows})))})
    links = neighbours_map(list(points)) if links_too else {}
    out = []
    for s in rows:
        p, sy = points[s.point_id], systems[s.system_id]
        up, down = links.get(p.id, ((), ()))
        out.append(SampleRef(
            id=s.id, code=s.code, point_id=p.id, point_code=p.code, point_name=p.name,
            point_kind=p.kind, system_id=sy.id, system_name=sy.name,
            collected_at=s.collected_at, is_recoleta=s.is_recoleta,
            latitude=s.latitude if s.latitude is not None else p.latitude,
            longitude=s.longitude if s.longitude is not None else p.longitude,
            neighbourhoods=tuple(filter(None, [p.neighbourhood])) or tuple(sy.neighbourhoods or ()),
            upstream=tuple(up), downstream=tuple(down)))
    return out


def sample_ref(sample_id: int):  # type: ignore[no-untyped-def]
    return _refs_for([get(sample_id)])[0]


def awaiting_analysis_refs(parameter_code: str | None = None, sample_id: int | None = None, *,
                           sample_ids: Iterable[int] | None = None,
                           links: bool = True) -> list[tuple[Any, list[Any]]]:
    """Samples received (AGUARDANDO ANALISE, or sent back for reanalysis) with their
    parameters as (SampleRef, [ParameterRef]), optionally only `sample_ids`; part 2 drops
    those already with a result. links=False: refs without upstream/downstream points."""
    stmt = (select(Sample, CollectionPoint, SupplySystem).where(Sample.state.in_(AWAITING))
            .join(CollectionPoint, CollectionPoint.id == Sample.point_id)
            .join(SupplySystem, SupplySystem.id == Sample.system_id)
            .order_by(Sample.received_at, Sample.code))
    if parameter_code is None:
        stmt = stmt.options(selectinload(Sample.parameters))
    if sample_id is not None:
        stmt = stmt.where(Sample.id == sample_id)
    if sample_ids is not None:
        stmt = stmt.where(Sample.id.in_(set(sample_ids)))
    if parameter_code is not None:
        stmt = stmt.where(Sample.id.in_(
            select(SampleParameter.sample_id).join(Parameter, Parameter.id == SampleParameter.parameter_id)
            .where(Parameter.code == parameter_code)))
    got = session.execute(stmt).all()
    rows = [r[0] for r in got]
    refs = _refs_for(rows, ({r[1].id: r[1] for r in got}, {r[2].id: r[2] for r in got}), links)
    # the results standing for the samples past analysis, in one query (not one per cell)
    done = active_pairs({s.id for s in rows if s.state is not SampleState.AWAITING_ANALYSIS})
    # one parameter asked: only its catalogue row, not every parameter of every sample
    named: dict[int, list[Parameter]] = {}
    pairs = session.execute(select(SampleParameter.sample_id, Parameter).join(
        Parameter, Parameter.id == SampleParameter.parameter_id).where(
        Parameter.code == parameter_code, ids_in(SampleParameter.sample_id, [s.id for s in rows]))
    ) if parameter_code is not None and rows else ()
    for sid, p in pairs:
        named.setdefault(sid, []).append(p)
    out = []
    made: dict[int, Any] = {}  # one frozen ParameterRef per catalogue row, shared by the samples
    for s, ref in zip(rows, refs, strict=True):
        params = [made.get(p.id) or made.setdefault(p.id, _param_ref(p)) for p in (
            named.get(s.id, []) if parameter_code is not None
            else [sp.parameter for sp in s.parameters])]
        if s.state is not SampleState.AWAITING_ANALYSIS:
            params = [p for p in params if (s.id, p.id) not in done]
        if params:
            out.append((ref, params))
    return out


# 50 rows a page (was 200): the list is also read on phones and pages through the rest; a
# page of 200 cost the worker more to render than anything else the staff open (issue 17)
PAGE = 50


def conditions(*, state: str | None = None, system_id: int | None = None,
               point_id: int | None = None, plan_id: int | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               code: str | None = None, recoleta: bool | None = None) -> list[Any]:
    """The WHERE clauses of the search filters given."""
    wanted = [(bool(state), lambda: Sample.state == machine.coerce(state or "")),
              (bool(system_id), lambda: Sample.system_id == system_id),
              (bool(point_id), lambda: Sample.point_id == point_id),
              (bool(plan_id), lambda: Sample.plan_id == plan_id),
              (bool(since), lambda: Sample.scheduled_for >= since),
              (bool(until), lambda: Sample.scheduled_for <= until),
              (bool(code), lambda: Sample.code.ilike(f"%{(code or '').strip()}%")),
              (recoleta is not None, lambda: Sample.is_recoleta.is_(recoleta))]
    return [clause() for given, clause in wanted if given]


def search(*, limit: int = PAGE, offset: int = 0, with_parameters: bool = True,
           **filters: Any) -> tuple[list[Any], int]:
    """A page of samples matching the filters (`conditions`) and how many match."""
    stmt = select(Sample).where(*conditions(**filters))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(Sample.scheduled_for, Sample.code).limit(limit).offset(offset)
    if with_parameters:
        stmt = stmt.options(selectinload(Sample.parameters))  # one query, not one a row
    return list(session.scalars(stmt)), total


def history(sample_id: int) -> list[Any]:
    """The sample's audited changes, oldest first."""
    return list(session.scalars(history_stmt(sample_id)))


def history_stmt(sample_id: int) -> Any:
    return select(AuditLog).where(AuditLog.model == "lims_sample",
                                  AuditLog.row_id == str(sample_id)).order_by(AuditLog.id)
