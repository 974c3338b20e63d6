"""Incidents' public interface.

Read by the public site: current service notices, the public ticket tracking page and the
satisfaction survey. Nothing here reveals more than the one ticket a token points to.
Read by the lab (through the composition root): the month's incidents and work orders as the
SISAGUA forms count them, and the actions taken on out-of-standard results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select

from core.audit import audit_context
from core.db import session, unit_of_work, utcnow
from core.errors import Conflict, NotFound, ValidationError
from incidents.domain import OPEN_INCIDENT_STATES, WorkOrderState
from incidents.models import Incident, ServiceType, WorkOrder
from incidents.models import TimelineEntry as Entry


@dataclass(frozen=True)
class PublicNotice:
    id: int
    protocol: str
    kind: str  # interrupcao | qualidade | manutencao
    title: str
    reason: str
    area_description: str
    neighbourhoods: tuple[str, ...]
    started_at: dt.datetime
    estimated_end_at: dt.datetime | None
    ended_at: dt.datetime | None
    safety_measures: str
    status: str  # ativo | encerrado


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class TicketStatus:
    protocol: str
    title: str
    status_label: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    timeline: tuple[TimelineEntry, ...]
    survey_available: bool
    survey_answered: bool


def public_notices(*, active: bool | None = True, limit: int = 50,
                   offset: int = 0) -> list[PublicNotice]:
    """Service notices (interruptions, quality incidents) for the public site."""
    open_states = [str(s) for s in OPEN_INCIDENT_STATES]
    stmt = (select(Incident).where(Incident.public_notice.is_(True), Incident.state != "cancelado")
            .order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit).offset(offset))
    if active is True:
        stmt = stmt.where(Incident.state.in_(open_states))
    elif active is False:
        stmt = stmt.where(Incident.state.not_in(open_states))
    out = []
    for inc in session.scalars(stmt):
        est = (inc.opened_at + dt.timedelta(hours=inc.estimated_hours)) if inc.estimated_hours else None
        kind = inc.kind if inc.kind in ("interrupcao", "qualidade") else "manutencao"
        out.append(PublicNotice(
            id=inc.id, protocol=inc.protocol, kind=kind, title=inc.title, reason=inc.reason,
            area_description=inc.area_description,
            neighbourhoods=tuple((inc.area or {}).get("neighbourhoods") or ()),
            started_at=inc.opened_at, estimated_end_at=est, ended_at=inc.resolved_at,
            safety_measures=inc.safety_measures,
            status="ativo" if inc.state in open_states else "encerrado"))
    return out


def _by_token(token: str) -> Incident | None:
    if not token or len(token) < 20 or len(token) > 64:
        return None
    return session.scalars(select(Incident).where(Incident.public_token == token)).first()


def ticket_by_token(token: str) -> TicketStatus | None:
    """The ticket a public tracking token points to, or None."""
    inc = _by_token(token)
    if inc is None:
        return None
    rows = session.scalars(select(Entry).where(Entry.incident_id == inc.id, Entry.public.is_(True))
                           .order_by(Entry.at, Entry.id))
    closed = inc.state in ("encerrado", "resolvido")
    return TicketStatus(
        protocol=inc.protocol, title=inc.title, status_label=inc.state_label,
        opened_at=inc.opened_at, updated_at=inc.updated_at, closed_at=inc.closed_at or inc.resolved_at,
        timeline=tuple(TimelineEntry(e.at, e.text) for e in rows),
        survey_available=closed and inc.survey_at is None, survey_answered=inc.survey_at is not None)


def submit_survey(token: str, score: int, comment: str = "") -> None:
    """Record the satisfaction survey (score 1-5) once per ticket; DomainError otherwise."""
    with unit_of_work():
        inc = _by_token(token)
        if inc is None:
            raise NotFound("Chamado não encontrado")
        if inc.state not in ("encerrado", "resolvido"):
            raise Conflict("A pesquisa fica disponivel quando o chamado for concluido")
        if inc.survey_at is not None:
            raise Conflict("A pesquisa deste chamado já foi respondida. Obrigado!")
        try:
            score = int(score)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise ValidationError("Escolha uma nota de 1 a 5", fields={"score": ["de 1 a 5"]})
        with audit_context(reason="pesquisa de satisfação"):
            inc.survey_score = score
            inc.survey_comment = (comment or "").strip()[:2000]
            inc.survey_at = utcnow()
            session.flush()


# -- what the lab's SISAGUA month reads of incidents and work orders (issue 19) ---------------
# lims imports no incidents module: the composition root hands this module to the app
# (`app.extensions["saae_operations_source"]`, saae/app.py) and lims reads it through a
# Protocol of these two functions.


@dataclass(frozen=True)
class WorkOrderFact:
    number: str
    service_code: str
    service_group: str  # the service type's group: rede, qualidade, hidrometria...
    service_name: str
    state: str
    state_label: str
    executed_at: dt.datetime | None  # closed as executed


@dataclass(frozen=True)
class OperationalFact:
    """An incident as the regulator's forms count it: its kind and origin, where it was, when
    it started and ended, the lab results behind it, its actions and work orders."""

    protocol: str
    kind: str  # interrupcao | qualidade | manutencao | atendimento
    origin: str  # scada | laboratorio | eta | operador | cidadao | externo
    title: str
    reason: str
    asset_code: str
    sector_codes: tuple[str, ...]
    neighbourhoods: tuple[str, ...]
    system_id: int | None
    opened_at: dt.datetime
    ended_at: dt.datetime | None
    state_label: str
    result_ids: tuple[int, ...]  # lab results ("lab:<id>") the incident answers
    actions: tuple[TimelineEntry, ...]  # the timeline's "acao" entries, in order
    work_orders: tuple[WorkOrderFact, ...]


def _wo_fact(w: WorkOrder, types: dict[str, ServiceType]) -> WorkOrderFact:
    st = types.get(w.service_code)
    executed = (w.executed_at or w.closed_at) if w.state == WorkOrderState.CLOSED_EXECUTED else None
    return WorkOrderFact(w.number, w.service_code, st.group if st else "",
                         st.description if st else w.service_code, str(w.state), w.state_label,
                         executed)


def _facts(incidents: list[Incident]) -> list[OperationalFact]:
    ids = [i.id for i in incidents]
    if not ids:
        return []
    types = {t.code: t for t in session.scalars(select(ServiceType))}
    orders: dict[int, list[WorkOrderFact]] = {}
    for w in session.scalars(select(WorkOrder).where(WorkOrder.incident_id.in_(ids))
                             .order_by(WorkOrder.opened_at, WorkOrder.id)):
        orders.setdefault(w.incident_id or 0, []).append(_wo_fact(w, types))
    acts: dict[int, list[TimelineEntry]] = {}
    for e in session.scalars(select(Entry).where(Entry.incident_id.in_(ids), Entry.kind == "acao")
                             .order_by(Entry.at, Entry.id)):
        acts.setdefault(e.incident_id, []).append(TimelineEntry(e.at, e.text))
    out = []
    for inc in incidents:
        area = inc.area or {}
        labs = tuple(int(a[4:]) for a in (inc.anomaly_ids or [])
                     if isinstance(a, str) and a.startswith("lab:") and a[4:].isdigit())
        out.append(OperationalFact(
            inc.protocol, inc.kind, inc.origin, inc.title, inc.reason, inc.asset_code or "",
            tuple(area.get("sector_codes") or ()), tuple(area.get("neighbourhoods") or ()),
            area.get("system_id"), inc.opened_at, inc.resolved_at or inc.closed_at,
            inc.state_label, labs, tuple(acts.get(inc.id, ())), tuple(orders.get(inc.id, ()))))
    return out


def operational_facts(start: dt.datetime, end: dt.datetime) -> list[OperationalFact]:
    """Incidents (not cancelled) opened in [start, end) or with a work order executed then."""
    executed = select(WorkOrder.incident_id).where(
        WorkOrder.state == WorkOrderState.CLOSED_EXECUTED, WorkOrder.executed_at >= start,
        WorkOrder.executed_at < end, WorkOrder.incident_id.is_not(None))
    stmt = select(Incident).where(Incident.state != "cancelado", or_(
        (Incident.opened_at >= start) & (Incident.opened_at < end), Incident.id.in_(executed))
    ).order_by(Incident.opened_at, Incident.id)
    return _facts(list(session.scalars(stmt)))


def facts_for_results(result_ids: list[int]) -> dict[int, list[OperationalFact]]:
    """{lab result id: the incidents that answer it}, for the out-of-standard samples."""
    wanted = {f"lab:{i}" for i in result_ids}
    if not wanted:
        return {}
    # anomaly_ids is a JSON list: read the quality incidents of the lab and keep those naming
    # one of the results (a few per month)
    rows = [i for i in session.scalars(select(Incident).where(
        Incident.origin == "laboratorio").order_by(Incident.opened_at, Incident.id))
        if wanted & set(i.anomaly_ids or [])]
    out: dict[int, list[OperationalFact]] = {}
    for fact in _facts(rows):
        for rid in fact.result_ids:
            if f"lab:{rid}" in wanted:
                out.setdefault(rid, []).append(fact)
    return out
