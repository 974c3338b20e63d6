"""Work orders: catalogue, opening, scheduling to the nearest technician, the state machine,
desdobramento, reservico, the technician's synced actions and the reports."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.audit import audit_context, current_actor
from core.db import session, transactional, utcnow
from core.errors import IllegalTransition, NotFound, ValidationError
from incidents import domain
from incidents.domain import IncidentState, WorkOrderState
from incidents.models import Incident, ServiceType, Technician, WorkOrder, WorkOrderAction
from incidents.services import evidence
from incidents.services import incidents as inc_svc

log = logging.getLogger(__name__)

ACTION_KINDS = ("aceitar", "a_caminho", "chegou", "inicio", "leitura", "foto", "material",
                "posicao", "encerrar")


def service(code: str) -> ServiceType:
    st = session.scalars(select(ServiceType).where(ServiceType.code == code)).first()
    if st is None:
        raise NotFound(f"Servico {code} nao existe no catalogo")
    return st


def catalogue(active_only: bool = True) -> list[ServiceType]:
    stmt = select(ServiceType).order_by(ServiceType.group, ServiceType.code)
    if active_only:
        stmt = stmt.where(ServiceType.active.is_(True))
    return list(session.scalars(stmt))


@transactional
def save_service(data: dict[str, Any]) -> ServiceType:
    errors: dict[str, list[str]] = {}
    code = str(data.get("code", "")).strip().upper()
    if not code:
        errors["code"] = ["obrigatorio"]
    if not str(data.get("description", "")).strip():
        errors["description"] = ["obrigatorio"]
    if data.get("deadline_unit", "horas") not in ("horas", "dias"):
        errors["deadline_unit"] = ["horas ou dias"]
    if errors:
        raise ValidationError("Corrija os campos do serviço", fields=errors)
    st = session.scalars(select(ServiceType).where(ServiceType.code == code)).first() or ServiceType(code=code)
    for k in ("description", "group", "deadline_amount", "deadline_unit", "priority", "team_size",
              "max_postponements", "needs_approval", "materials_kit", "closing_form", "active"):
        if k in data:
            setattr(st, k, data[k])
    with audit_context(reason="catálogo de serviços"):
        session.add(st)
        session.flush()
    return st


def get(wo_id: int) -> WorkOrder:
    wo = session.get(WorkOrder, wo_id)
    if wo is None:
        raise NotFound("OS não encontrada")
    return wo


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
               redo_of_id: int | None = None, auto_assign: bool = True) -> WorkOrder:
    st = service(service_code)
    now = utcnow()
    wo = WorkOrder(number=f"T{now:%H%M%S%f}", incident_id=incident_id, service_code=st.code,
                   origin=origin, description=description or st.description, priority=st.priority,
                   due_at=domain.wo_deadline(now, st.deadline_amount, st.deadline_unit),
                   opened_at=now, latitude=latitude, longitude=longitude, address=address,
                   parent_id=parent_id, redo_of_id=redo_of_id, approved=not st.needs_approval)
    with audit_context(reason=f"OS aberta ({origin})"):
        session.add(wo)
        session.flush()
        wo.number = f"OS{now:%Y}{wo.id:06d}"
        session.flush()
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
    tech = session.get(Technician, technician_id)
    if tech is None:
        raise NotFound("Técnico não encontrado")
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
                                                        answers if answers is not None else wo.closing_answers or {}))


@transactional
def transition(wo_id: int, target: str, reason: str = "", *,
               answers: dict[str, Any] | None = None) -> WorkOrder:
    wo = get(wo_id)
    try:
        new = domain.wo_next(wo.state, target, _facts(wo, answers))
    except domain.TransitionError as exc:
        raise IllegalTransition(str(exc)) from None
    if new in (WorkOrderState.CANCELLED, WorkOrderState.POSTPONED) and not reason.strip():
        raise ValidationError("Informe o motivo", fields={"reason": ["obrigatorio"]})
    old = str(wo.state)
    now = utcnow()
    with audit_context(reason=reason or f"{old} -> {new}"):
        wo.state = new
        if new == WorkOrderState.POSTPONED:
            wo.postponements += 1
        if answers is not None:
            wo.closing_answers = answers
        if new == WorkOrderState.CLOSED_EXECUTED:
            wo.executed_at = wo.executed_at or now
        if new in domain.WO_CLOSED:
            wo.closed_at = now
        session.flush()
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
                      latitude=wo.latitude, longitude=wo.longitude, address=wo.address, parent_id=wo.id)


@transactional
def redo(wo_id: int, reason: str) -> WorkOrder:
    """Reservico: the work must be done again; a new order pointing at the executed one."""
    wo = get(wo_id)
    if wo.state != WorkOrderState.CLOSED_EXECUTED:
        raise IllegalTransition("Reservico so de OS encerrada como executada")
    if not reason.strip():
        raise ValidationError("Informe o motivo do reservico", fields={"reason": ["obrigatorio"]})
    return open_order(wo.service_code, incident_id=wo.incident_id, origin="reservico",
                      description=f"Reservico de {wo.number}: {reason}", latitude=wo.latitude,
                      longitude=wo.longitude, address=wo.address, redo_of_id=wo.id)


def day_orders(technician_id: int) -> list[WorkOrder]:
    return list(session.scalars(select(WorkOrder).where(
        WorkOrder.technician_id == technician_id,
        WorkOrder.state.in_([WorkOrderState.SCHEDULED, WorkOrderState.POSTPONED,
                             WorkOrderState.SUSPENDED_FOR_CLOSING])).order_by(WorkOrder.priority, WorkOrder.due_at)))


def actions(wo_id: int) -> list[WorkOrderAction]:
    return list(session.scalars(select(WorkOrderAction).where(WorkOrderAction.work_order_id == wo_id)
                                .order_by(WorkOrderAction.at, WorkOrderAction.id)))


def order_periods(wo_id: int) -> dict[str, float | None]:
    return domain.periods((a.kind, a.at) for a in actions(wo_id))


def sync(items: list[dict[str, Any]], username: str) -> list[dict[str, Any]]:
    """Apply the phone's queued actions; each has a client key, so a re-sent queue is
    harmless. Returns one result per item: applied | duplicate | error."""
    out = []
    for item in items:
        key = str(item.get("client_key") or "")[:64] if isinstance(item, dict) else ""
        try:
            status = _apply(_checked_item(item), key, username)
            out.append({"client_key": key, "status": status})
        except (ValidationError, IllegalTransition, NotFound) as exc:
            # answered, never retried: the phone drops it and sends the rest of its queue
            out.append({"client_key": key, "status": "erro", "rejeitada": True,
                        "message": exc.message})
    return out


def _finite_everywhere(value: Any, path: str = "data") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"Valor numerico invalido em {path} (NaN ou infinito).")
    if isinstance(value, dict):
        for k, v in value.items():
            _finite_everywhere(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite_everywhere(v, f"{path}[{i}]")


def _coordinate(value: Any, name: str, limit: float) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} invalida: {str(value)[:40]!r} nao e um numero.") from None
    if not math.isfinite(f) or not -limit <= f <= limit:
        raise ValidationError(f"{name} invalida: {str(value)[:40]!r} fora de -{limit:g} a {limit:g}.")
    return f


def _checked_item(item: Any) -> dict[str, Any]:
    """One queued action, checked before anything is written: a malformed item is refused
    with its reason instead of failing the whole synchronisation."""
    if not isinstance(item, dict):
        raise ValidationError("Acao invalida: esperado um objeto JSON.")
    try:
        int(item.get("work_order_id") or 0)
    except (TypeError, ValueError):
        raise ValidationError("Numero da OS invalido.") from None
    data = item.get("data")
    if data is not None and not isinstance(data, dict):
        raise ValidationError("Campo 'data' da acao deve ser um objeto.")
    data = dict(data or {})
    _finite_everywhere(data)
    if data.get("lat") is not None or data.get("lon") is not None:
        data["lat"] = _coordinate(data.get("lat"), "Latitude", 90)
        data["lon"] = _coordinate(data.get("lon"), "Longitude", 180)
    return {**item, "data": data}


@transactional
def _apply(item: dict[str, Any], key: str, username: str) -> str:
    if not key:
        raise ValidationError("Ação sem chave do aparelho")
    kind = item.get("kind")
    if kind not in ACTION_KINDS:
        raise ValidationError(f"Ação desconhecida: {kind}")
    wo = get(int(item.get("work_order_id") or 0))
    if session.scalars(select(WorkOrderAction.id).where(WorkOrderAction.work_order_id == wo.id,
                                                        WorkOrderAction.client_key == key)).first():
        return "duplicada"
    tech = technician_for(username)
    if tech is None or wo.technician_id != tech.id:
        raise ValidationError("Esta OS não esta designada a você")
    try:
        at = dt.datetime.fromisoformat(str(item.get("at")).replace("Z", "+00:00"))
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    except ValueError:
        at = utcnow()
    data = dict(item.get("data") or {})
    photo = data.pop("photo", None) if kind == "foto" else None
    if photo and len(photo) > 3_000_000:
        raise ValidationError("Foto grande demais (máximo 2 MB)")
    try:
        with session.begin_nested():
            session.add(WorkOrderAction(work_order_id=wo.id, client_key=key, kind=kind, at=at,
                                        data=domain.jsonable(data), username=username, photo=photo))
    except IntegrityError:  # the same queue arriving twice at once
        return "duplicada"
    with audit_context(reason=f"campo: {kind}"):
        if kind == "inicio":
            wo.started_at = wo.started_at or at
        elif kind == "leitura":
            wo.readings = [*(wo.readings or []), data]
        elif kind == "material":
            wo.materials_used = [*(wo.materials_used or []), data]
        if data.get("lat") is not None and data.get("lon") is not None:
            tech.latitude, tech.longitude, tech.position_at = float(data["lat"]), float(data["lon"]), at
        if data.get("vehicle"):
            wo.vehicle = str(data["vehicle"])[:40]
        session.flush()
    if kind == "encerrar":
        wo.executed_at = at
        transition(wo.id, WorkOrderState.CLOSED_EXECUTED, "executada em campo",
                   answers=dict(data.get("form") or {}))
    if wo.incident_id and kind not in ("posicao",):
        inc_svc.timeline(wo.incident_id, "acao", f"{wo.number} (campo): {kind.replace('_', ' ')}"
                         + (f" - {data.get('text') or data.get('value') or ''}" if data else ""),
                         {"work_order_id": wo.id, "kind": kind}, at=at)
        evidence.append(wo.incident_id, "os_campo", {"number": wo.number, "kind": kind,
                                                     "at": at.isoformat(), "data": data,
                                                     "photo_sha256": domain.sha256_hex(photo) if photo else None,
                                                     "by": current_actor().username or username})
    return "aplicada"


def orders(incident_id: int | None = None, state: str | None = None) -> list[WorkOrder]:
    stmt = select(WorkOrder).order_by(WorkOrder.opened_at.desc())
    if incident_id is not None:
        stmt = stmt.where(WorkOrder.incident_id == incident_id)
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
