"""What follows a transition of a connection's work order (issue 21): the request's public
history and state, the connection's situation after an executed cut or reconnection
(commercial.api), and the executed service billed at the price table's price.

Imports no other incidents service module: workorders calls it, requests builds on both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from commercial import api as commercial_api
from core import fmt
from core.audit import audit_context, current_actor
from core.db import session, utcnow
from incidents import domain
from incidents.domain import WorkOrderState
from incidents.domain import requests as rules
from incidents.models import RequestEvent, ServicePrice, ServiceRequest, ServiceType, WorkOrder


def event(request_id: int, text: str, *, public: bool = True, at: dt.datetime | None = None) -> None:
    """One line of the request's history (public ones reach the tracking page)."""
    session.add(RequestEvent(request_id=request_id, text=text[:1000], public=public,
                             at=at or utcnow(), username=current_actor().username or "sistema"))


def price_on(service_code: str, day: dt.date) -> Decimal | None:
    rows = session.scalars(select(ServicePrice).where(ServicePrice.service_code == service_code))
    return rules.price_on((rules.PriceRow(r.amount, r.valid_from, r.valid_to) for r in rows), day)


def open_children(wo: WorkOrder) -> tuple[str, ...]:
    """Numbers of this order's dependent orders (desdobramento) not closed yet."""
    closed = [str(s) for s in domain.WO_CLOSED]
    return tuple(session.scalars(select(WorkOrder.number).where(
        WorkOrder.parent_id == wo.id, WorkOrder.state.not_in(closed)).order_by(WorkOrder.id)))


def after_transition(wo: WorkOrder, new: WorkOrderState, reason: str) -> None:
    """Called by workorders.transition inside its transaction."""
    st = session.scalars(select(ServiceType).where(ServiceType.code == wo.service_code)).first()
    if new == WorkOrderState.CLOSED_EXECUTED and wo.connection_id is not None and st is not None:
        _apply_to_connection(wo, st)
    if wo.request_id is not None:
        label = domain.WO_LABELS[new]
        what = st.description if st else wo.service_code
        text = f"{wo.number} ({what}): {label}"
        if new == WorkOrderState.PAUSED and reason:
            text += f". Motivo: {reason}"
        event(wo.request_id, text)
        sync_request(wo.request_id)


def _apply_to_connection(wo: WorkOrder, st: ServiceType) -> None:
    """Executed: the connection's situation (cut, suppression, reconnection) and the charge."""
    why = f"{wo.number}: {st.description}"
    if st.connection_effect in rules.EFFECTS:
        commercial_api.change_situation(wo.connection_id, rules.EFFECTS[st.connection_effect], why)
    if wo.charge_id is None:
        day = fmt.local(wo.executed_at or utcnow()).date()
        amount = price_on(st.code, day)
        if amount:
            with audit_context(reason=f"serviço executado a faturar ({wo.number})"):
                wo.charge_id = commercial_api.bill_service(wo.connection_id, why[:200], amount)
                session.flush()


def sync_request(request_id: int) -> ServiceRequest | None:
    """The request follows its orders: in progress, then done (or cancelled) when all closed."""
    req = session.get(ServiceRequest, request_id)
    if req is None or req.state == rules.RequestState.CANCELLED:
        return req
    states = list(session.scalars(select(WorkOrder.state).where(WorkOrder.request_id == req.id)))
    new = rules.state_after_orders([str(s) for s in states], [str(s) for s in domain.WO_CLOSED],
                                   str(WorkOrderState.CLOSED_EXECUTED))
    if new == rules.RequestState.OPEN or new == req.state:
        return req
    with audit_context(reason=f"solicitação {rules.REQUEST_LABELS[new].lower()} (ordens de serviço)"):
        req.state = new
        if new in rules.REQUEST_CLOSED:
            req.closed_at = utcnow()
        session.flush()
    if new == rules.RequestState.DONE:
        event(req.id, "Solicitação concluída. Conte como foi o atendimento na pesquisa de satisfação.")
    elif new == rules.RequestState.CANCELLED:
        event(req.id, "Solicitação encerrada sem execução de serviço.")
    return req
