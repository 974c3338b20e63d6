"""Work orders: catalogue, opening, scheduling to the nearest technician, the state machine,
desdobramento, reservico and the reports (the technician's synced actions: field_sync)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from core.audit import audit_context
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, IllegalTransition, NotFound, ValidationError
from incidents import domain
from incidents.domain import IncidentState, WorkOrderState
from incidents.models import Incident, ServiceType, Technician, WorkOrder, WorkOrderAction
from incidents.services import connection_orders, evidence
from incidents.services import incidents as inc_svc

log = logging.getLogger(__name__)



def service(code: str) -> ServiceType:
    st = session.scalars(select(ServiceType).where(ServiceType.code == code)).first()
    if st is None:
        raise NotFound(f"Serviço {code} não existe no catálogo")
    return st


def catalogue(active_only: bool = True) -> list[ServiceType]:
    stmt = select(ServiceType).order_by(ServiceType.group, ServiceType.code)
    if active_only:
        stmt = stmt.where(ServiceType.active.is_(True))
    return list(session.scalars(stmt))


def get(wo_id: int) -> WorkOrder:
    return get_or_404(WorkOrder, wo_id, "OS não encontrada")


def technicians() -> list[Technician]:
    return list(session.scalars(select(Technician).order_by(Technician.name)))


def technician_for(username: str) -> Technician | None:
    return session.scalars(select(Technician).where(Technician.username == username)).first()


def propose(wo: WorkOrder) -> tuple[int, float | None] | None:
    """The nearest available technician with the service's skill, from last known position."""
    st = service(wo.service_code)
    busy = set(session.scalars(select(WorkOrder.technician_id).where(
        WorkOrder.state == WorkOrderState.SCHEDULED, WorkOrder.technician_id.is_not(None))))
    cands = [domain.TechCandidate(t.id, tuple(t.skills or ()), t.available and t.id not in busy,
                                  t.latitude, t.longitude) for t in technicians()]
    found = domain.nearest_technician(cands, st.group, wo.latitude, wo.longitude)
    if found is None:  # everybody with the skill is busy: queue behind the nearest anyway
        cands = [domain.TechCandidate(c.id, c.skills, True, c.latitude, c.longitude)
                 for c in cands if session.get(Technician, c.id).available]
        found = domain.nearest_technician(cands, st.group, wo.latitude, wo.longitude)
    return found


@transactional
def open_order(service_code: str, *, incident_id: int | None = None, description: str = "",
               origin: str = "incidente", latitude: float | None = None,
               longitude: float | None = None, address: str = "", parent_id: int | None = None,
               redo_of_id: int | None = None, auto_assign: bool = True,
               request_id: int | None = None, connection_id: int | None = None,
               matricula: str = "", attendance: str = "sistema") -> WorkOrder:
    st = service(service_code)
    now = utcnow()
    wo = WorkOrder(number=f"T{now:%H%M%S%f}", incident_id=incident_id, service_code=st.code,
                   origin=origin, description=description or st.description, priority=st.priority,
                   due_at=domain.wo_deadline(now, st.deadline_amount, st.deadline_unit),
                   opened_at=now, latitude=latitude, longitude=longitude, address=address,
                   parent_id=parent_id, redo_of_id=redo_of_id, approved=not st.needs_approval,
                   request_id=request_id, connection_id=connection_id, matricula=matricula,
                   attendance=attendance)
    with audit_context(reason=f"OS aberta ({origin})"):
        session.add(wo)
        session.flush()
        wo.number = f"OS{now:%Y}{wo.id:06d}"
        session.flush()
    if request_id:
        connection_orders.event(request_id, f"{wo.number} aberta: {st.description}")
    if incident_id:
        inc_svc.timeline(incident_id, "acao", f"{wo.number} aberta: {st.description}",
                         {"work_order_id": wo.id})
        evidence.append(incident_id, "os_aberta", {"number": wo.number, "service": st.code,
                                                   "at": now.isoformat()})
    if auto_assign and wo.approved:
        found = propose(wo)
        if found:
            assign(wo.id, found[0], distance_km=found[1])
    return wo


@transactional
def assign(wo_id: int, technician_id: int, *, distance_km: float | None = None,
           scheduled_for: dt.datetime | None = None) -> WorkOrder:
    wo = get(wo_id)
    tech = get_or_404(Technician, technician_id, "Técnico não encontrado")
    with audit_context(reason=f"designada a {tech.name}"):
        wo.technician_id = tech.id
        wo.distance_km = distance_km
        wo.scheduled_for = scheduled_for or utcnow()
        wo.vehicle = wo.vehicle or tech.vehicle
        session.flush()
    if wo.state in (WorkOrderState.PENDING, WorkOrderState.TO_RESCHEDULE, WorkOrderState.POSTPONED):
        transition(wo.id, WorkOrderState.SCHEDULED, f"designada a {tech.name}")
    if wo.incident_id:
        km = f" a {distance_km} km" if distance_km is not None else ""
        inc_svc.timeline(wo.incident_id, "acao", f"{wo.number} designada a {tech.name}{km}")
        inc = session.get(Incident, wo.incident_id)
        if inc and inc.state in (IncidentState.OPEN, IncidentState.UNDER_ANALYSIS):
            inc_svc.transition(inc.id, IncidentState.IN_PROGRESS, f"{wo.number} programada")
    return wo


def _facts(wo: WorkOrder, answers: dict[str, Any] | None = None) -> domain.WorkOrderFacts:
    st = service(wo.service_code)
    return domain.WorkOrderFacts(
        postponements=wo.postponements, max_postponements=st.max_postponements,
        needs_approval=st.needs_approval, approved=wo.approved, assigned=wo.technician_id is not None,
        closing_form_missing=domain.missing_form_fields(st.closing_form or [],
                                                        answers if answers is not None else wo.closing_answers or {}),
        open_children=connection_orders.open_children(wo))


@transactional
def transition(wo_id: int, target: str, reason: str = "", *,
               answers: dict[str, Any] | None = None) -> WorkOrder:
    wo = get(wo_id)
    try:
        new = domain.wo_next(wo.state, target, _facts(wo, answers))
    except domain.TransitionError as exc:
        raise IllegalTransition(str(exc)) from None
    if new in domain.WO_NEEDS_REASON and not reason.strip():
        raise ValidationError("Informe o motivo", fields={"reason": ["obrigatorio"]})
    with inc_svc.audited_move(wo, new, reason) as (old, now):
        if new == WorkOrderState.POSTPONED:
            wo.postponements += 1
        if new == WorkOrderState.PAUSED or old == WorkOrderState.PAUSED:
            wo.pause_reason = reason.strip()[:300] if new == WorkOrderState.PAUSED else ""
        if answers is not None:
            wo.closing_answers = answers
        if new == WorkOrderState.CLOSED_EXECUTED:
            wo.executed_at = wo.executed_at or now
        if new in domain.WO_CLOSED:
            wo.closed_at = now
    connection_orders.after_transition(wo, new, reason)
    if wo.incident_id:
        inc_svc.timeline(wo.incident_id, "acao", f"{wo.number}: {domain.WO_LABELS[new]}"
                         + (f" ({reason})" if reason else ""))
        evidence.append(wo.incident_id, "os_situacao", {"number": wo.number, "from": old,
                                                        "to": str(new), "reason": reason,
                                                        "at": now.isoformat()})
    return wo


@transactional
def approve(wo_id: int) -> WorkOrder:
    wo = get(wo_id)
    with audit_context(reason="aprovada para execução"):
        wo.approved = True
        session.flush()
    return wo


@transactional
def unfold(wo_id: int, service_code: str, description: str = "") -> WorkOrder:
    """Desdobramento: a dependent order born of this one (same place and incident)."""
    wo = get(wo_id)
    return open_order(service_code, incident_id=wo.incident_id, origin="desdobramento",
                      description=description or f"Desdobramento de {wo.number}",
                      latitude=wo.latitude, longitude=wo.longitude, address=wo.address, parent_id=wo.id,
                      **_connection_of(wo))


def _connection_of(wo: WorkOrder) -> dict[str, Any]:
    """A dependent order or a reservico serves the same request and connection."""
    return {"request_id": wo.request_id, "connection_id": wo.connection_id,
            "matricula": wo.matricula, "attendance": wo.attendance}


@transactional
def redo(wo_id: int, reason: str) -> WorkOrder:
    """Reservico: the work must be done again; a new order pointing at the executed one."""
    wo = get(wo_id)
    if wo.state != WorkOrderState.CLOSED_EXECUTED:
        raise IllegalTransition("Reserviço só de OS encerrada como executada")
    if not reason.strip():
        raise ValidationError("Informe o motivo do reserviço", fields={"reason": ["obrigatorio"]})
    return open_order(wo.service_code, incident_id=wo.incident_id, origin="reservico",
                      description=f"Reserviço de {wo.number}: {reason}", latitude=wo.latitude,
                      longitude=wo.longitude, address=wo.address, redo_of_id=wo.id,
                      **_connection_of(wo))


def day_orders(technician_id: int) -> list[WorkOrder]:
    return list(session.scalars(select(WorkOrder).where(
        WorkOrder.technician_id == technician_id,
        WorkOrder.state.in_([WorkOrderState.SCHEDULED, WorkOrderState.POSTPONED,
                             WorkOrderState.SUSPENDED_FOR_CLOSING, WorkOrderState.PAUSED]))
        .order_by(WorkOrder.priority, WorkOrder.due_at)))


def actions(wo_id: int) -> list[WorkOrderAction]:
    return list(session.scalars(select(WorkOrderAction).where(WorkOrderAction.work_order_id == wo_id)
                                .order_by(WorkOrderAction.at, WorkOrderAction.id)))


def order_periods(wo_id: int) -> dict[str, float | None]:
    return domain.periods((a.kind, a.at) for a in actions(wo_id))


def cancel_open(incident_id: int, *, cancel: bool, why: str) -> None:
    """Before an incident is resolved: its open orders are cancelled, or (not asked to)
    a Conflict names the first one."""
    for wo in orders(incident_id=incident_id):
        if str(wo.state) in domain.WO_CLOSED:
            continue
        if not cancel:
            raise Conflict(f"A OS {wo.number} ainda está aberta: encerre-a ou marque para cancelá-la.")
        transition(wo.id, WorkOrderState.CANCELLED, f"{why}; OS não é mais necessária")


def orders(incident_id: int | None = None, state: str | None = None, *,
           connection_id: int | None = None, request_id: int | None = None) -> list[WorkOrder]:
    stmt = select(WorkOrder).order_by(WorkOrder.opened_at.desc())
    if incident_id is not None:
        stmt = stmt.where(WorkOrder.incident_id == incident_id)
    if connection_id is not None:
        stmt = stmt.where(WorkOrder.connection_id == connection_id)
    if request_id is not None:
        stmt = stmt.where(WorkOrder.request_id == request_id)
    if state:
        stmt = stmt.where(WorkOrder.state == state)
    return list(session.scalars(stmt.limit(500)))


def reports(now: dt.datetime | None = None) -> dict[str, Any]:
    """Overdue orders, counts by state and origin, mean time to execute, materials used."""
    now = now or utcnow()
    closed = [str(s) for s in domain.WO_CLOSED]
    overdue = list(session.scalars(select(WorkOrder).where(WorkOrder.due_at < now,
                                                           WorkOrder.state.not_in(closed))
                                   .order_by(WorkOrder.due_at)))
    by_state = dict(session.execute(select(WorkOrder.state, func.count(WorkOrder.id))
                                    .group_by(WorkOrder.state)).all())
    by_origin = dict(session.execute(select(WorkOrder.origin, func.count(WorkOrder.id))
                                     .group_by(WorkOrder.origin)).all())
    done = session.execute(select(WorkOrder.opened_at, WorkOrder.executed_at, WorkOrder.materials_used)
                           .where(WorkOrder.state == WorkOrderState.CLOSED_EXECUTED)).all()
    hours = [(e - o).total_seconds() / 3600 for o, e, _ in done if e and o]
    materials: Counter[str] = Counter()
    for _, _, used in done:
        for m in used or []:
            try:
                materials[str(m.get("name") or m.get("code"))] += float(m.get("qty") or 1)
            except (TypeError, ValueError):
                continue
    return {"overdue": overdue, "by_state": {domain.WO_LABELS[WorkOrderState(k)]: v for k, v in by_state.items()},
            "by_origin": by_origin, "mean_hours_to_execute": round(sum(hours) / len(hours), 2) if hours else None,
            "executed": len(hours), "materials": dict(materials.most_common())}
