"""Incidents' public interface.

Read by the public site: current service notices, the public ticket tracking page and the
satisfaction survey. Nothing here reveals more than the one ticket a token points to.
Read by the lab (through the composition root): the month's incidents and work orders as the
SISAGUA forms count them, and the actions taken on out-of-standard results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.db import session, unit_of_work
from core.errors import Conflict
from core.web import settings
from incidents.channels import Outgoing, channels_for
from incidents.domain import OPEN_INCIDENT_STATES
from incidents.models import Incident, ServiceRequest
from incidents.models import Message as MessageRow
from incidents.models import TimelineEntry as Entry
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc


@dataclass(frozen=True)
class PublicNotice:
    """A service notice as the public site shows it (current and past notices, those of an
    address): an incident marked public, with its kind folded to the three the public sees."""

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


def _public_notices_query(active: bool | None) -> Any:
    open_states = [str(s) for s in OPEN_INCIDENT_STATES]
    stmt = (select(Incident).where(Incident.public_notice.is_(True), Incident.state != "cancelado")
            .order_by(Incident.opened_at.desc(), Incident.id.desc()))
    if active is True:
        stmt = stmt.where(Incident.state.in_(open_states))
    elif active is False:
        stmt = stmt.where(Incident.state.not_in(open_states))
    return stmt


# built once: the public site's home page asks for the current notices on every view
_PUBLIC_NOTICES = {active: _public_notices_query(active) for active in (True, False, None)}


def public_notices(*, active: bool | None = True, limit: int = 50,
                   offset: int = 0) -> list[PublicNotice]:
    """Service notices (interruptions, quality incidents) for the public site."""
    open_states = [str(s) for s in OPEN_INCIDENT_STATES]
    which = active if active is True or active is False else None
    stmt = _PUBLIC_NOTICES[which].limit(limit).offset(offset)
    return [_as_public(inc, open_states) for inc in session.scalars(stmt)]


def _as_public(inc: Incident, open_states: list[str]) -> PublicNotice:
    est = (inc.opened_at + dt.timedelta(hours=inc.estimated_hours)) if inc.estimated_hours else None
    kind = inc.kind if inc.kind in ("interrupcao", "qualidade") else "manutencao"
    return PublicNotice(
        id=inc.id, protocol=inc.protocol, kind=kind, title=inc.title, reason=inc.reason,
        area_description=inc.area_description,
        neighbourhoods=tuple((inc.area or {}).get("neighbourhoods") or ()),
        started_at=inc.opened_at, estimated_end_at=est, ended_at=inc.resolved_at,
        safety_measures=inc.safety_measures,
        status="ativo" if inc.state in open_states else "encerrado")


def notices_for_place(*, connection_id: int | None, neighbourhood: str, sector_code: str | None,
                      system_id: int | None = None, limit: int = 10) -> list[PublicNotice]:
    """The public notices (current first, then past) that reached one address: a message of
    the notice went to this connection, or the notice's area names its sector,
    neighbourhood or whole system (the virtual office, issue 21)."""
    open_states = [str(s) for s in OPEN_INCIDENT_STATES]
    messaged = set(session.scalars(select(MessageRow.incident_id).where(
        MessageRow.connection_id == connection_id))) if connection_id else set()
    hood = (neighbourhood or "").casefold()
    out = []
    for inc in session.scalars(select(Incident).where(Incident.public_notice.is_(True),
                                                      Incident.state != "cancelado")
                               .order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(300)):
        area = inc.area or {}
        if (inc.id in messaged or (sector_code and sector_code in (area.get("sector_codes") or ()))
                or (hood and hood in {str(x).casefold() for x in area.get("neighbourhoods") or ()})
                or (system_id is not None and area.get("system_id") == system_id)):
            out.append(_as_public(inc, open_states))
    out.sort(key=lambda n: n.status != "ativo")  # stable: current first, newest first within
    return out[:limit]


def _by_token(token: str) -> Incident | None:
    if not token or len(token) < 20 or len(token) > 64:
        return None
    return session.scalars(select(Incident).where(Incident.public_token == token)).first()


def ticket_by_token(token: str) -> TicketStatus | None:
    """The ticket a public tracking token points to (an incident or a service request), or None."""
    inc = _by_token(token)
    if inc is None:
        return _request_ticket(token)
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
            return req_svc.survey(token, score, comment)
        if inc.state not in ("encerrado", "resolvido"):
            raise Conflict("A pesquisa fica disponível quando o chamado for concluído")
        if inc.survey_at is not None:
            raise Conflict("A pesquisa deste chamado já foi respondida. Obrigado!")
        req_svc.record_survey(inc, score, comment)


# -- service requests (issue 21) ---------------------------------------------------------------

@dataclass(frozen=True)
class OrderStatus:
    """One work order of a request, as its requester may see it."""

    number: str
    service_code: str
    state: str
    state_label: str


@dataclass(frozen=True)
class RequestStatus:
    """A service request as people follow it (the portal, the virtual office, the API)."""

    protocol: str
    token: str
    type_code: str
    title: str
    state: str  # aberta | em_atendimento | concluida | cancelada
    state_label: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    tracking_url: str
    orders: tuple[OrderStatus, ...] = ()


def request_status(req: ServiceRequest, *, with_orders: bool = False) -> RequestStatus:
    orders = tuple(OrderStatus(w.number, w.service_code, str(w.state), w.state_label)
                   for w in wo_svc.orders(request_id=req.id)) if with_orders else ()
    return RequestStatus(req.protocol, req.public_token, req.type_code,
                         req_svc.request_type_name(req.type_code), str(req.state), req.state_label,
                         req.opened_at, req.closed_at, req_svc.tracking_url(req), orders)


def _request_ticket(token: str) -> TicketStatus | None:
    req = req_svc.by_token(token)
    if req is None:
        return None
    done = req.state == "concluida"
    return TicketStatus(
        protocol=req.protocol, title=req_svc.request_type_name(req.type_code),
        status_label=req.state_label, opened_at=req.opened_at, updated_at=req.updated_at,
        closed_at=req.closed_at,
        timeline=tuple(TimelineEntry(e.at, e.text) for e in req_svc.events(req.id, public_only=True)),
        survey_available=done and req.survey_at is None, survey_answered=req.survey_at is not None)


def public_request_kinds() -> list[tuple[str, str]]:
    """(code, description) of what a person may ask on the public site (leak, no water...)."""
    return [(t.code, t.description) for t in req_svc.types(public_only=True)]


def open_public_request(form: dict[str, str], photo: bytes | None = None) -> RequestStatus:
    """A request from the public site (keys: type_code, address, neighbourhood, description,
    requester_name, requester_phone, requester_email, latitude, longitude); ValidationError
    (pt-BR, with fields) when refused."""
    return request_status(req_svc.open_request(dict(form), channel="portal", photo=photo))


def requests_of_connection(connection_id: int, limit: int = 20) -> list[RequestStatus]:
    """A connection's service requests, newest first (the virtual office's "my requests")."""
    return [request_status(r) for r in req_svc.search(connection_id=connection_id, limit=limit)]


@dataclass(frozen=True)
class DirectSend:
    """The proof of one message sent to one person outside a notice (the virtual office's
    one-time codes and alerts): the provider and its message id, or why it failed."""

    ok: bool
    channel: str
    provider: str
    provider_message_id: str | None
    error: str = ""
    retryable: bool = False


def send_direct(channel: str, recipient: str, content: str, *, key: str,
                subject: str = "") -> DirectSend:
    """Send one message through the configured channel of that kind (WhatsApp, SMS, e-mail;
    the local outbox page in the demo). `key` is the idempotency key: the same key twice is
    the same message. A channel not configured is a failed send, never an exception."""
    ch = channels_for(settings()).get(channel)
    if ch is None:
        return DirectSend(False, channel, "", None, error="canal não configurado")
    r = ch.send(Outgoing(key=key[:64], channel=channel, recipient=recipient, content=content,
                         subject=subject))
    return DirectSend(r.ok, channel, r.provider, r.provider_message_id, r.error, r.retryable)
