"""Service requests (Registro de Atendimento): opened at the counter, by phone, on the portal
or from a WhatsApp conversation, for a matricula, an address or an occasional person. A
request gets a protocol and a public token (the incidents' tracking and survey pages), opens
its work orders from the request type, asks the laboratory for an extra sample when it is a
water-quality complaint, and enough complaints of one kind in one sector open an incident."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from sqlalchemy import func, select

from commercial import api as commercial_api
from core.audit import audit_context
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from core.web import settings
from incidents import domain
from incidents.domain import requests as rules
from incidents.models import RequestEvent, RequestType, ServiceRequest
from incidents.services import incidents as inc_svc
from incidents.services import lab_requests
from incidents.services import workorders as wo_svc
from incidents.services.connection_orders import event

# a complaint's incident: its kind and what the title calls it
COMPLAINT_INCIDENTS = {"qualidade": ("qualidade", "qualidade da água"),
                       "falta_agua": ("interrupcao", "falta d'água"),
                       "vazamento": ("manutencao", "vazamento")}


def types(*, public_only: bool = False, active_only: bool = True) -> list[RequestType]:
    stmt = select(RequestType).order_by(RequestType.group, RequestType.description)
    if active_only:
        stmt = stmt.where(RequestType.active.is_(True))
    if public_only:
        stmt = stmt.where(RequestType.public.is_(True))
    return list(session.scalars(stmt))


def request_type(code: str) -> RequestType:
    rt = session.scalars(select(RequestType).where(RequestType.code == code)).first()
    if rt is None or not rt.active:
        raise ValidationError("Escolha o tipo de solicitação.", fields={"type_code": ["inválido"]})
    return rt


def request_type_name(code: str) -> str:
    rt = session.scalars(select(RequestType).where(RequestType.code == code)).first()
    return rt.description if rt else code


def get(request_id: int) -> ServiceRequest:
    return get_or_404(ServiceRequest, request_id, "Solicitação não encontrada")


def by_token(token: str) -> ServiceRequest | None:
    if not token or not 20 <= len(token) <= 64:
        return None
    return session.scalars(select(ServiceRequest).where(ServiceRequest.public_token == token)).first()


def events(request_id: int, *, public_only: bool = False) -> list[RequestEvent]:
    stmt = select(RequestEvent).where(RequestEvent.request_id == request_id)
    if public_only:
        stmt = stmt.where(RequestEvent.public.is_(True))
    return list(session.scalars(stmt.order_by(RequestEvent.at, RequestEvent.id)))


def search(*, state: str | None = None, connection_id: int | None = None, q: str = "",
           limit: int = 200) -> list[ServiceRequest]:
    stmt = select(ServiceRequest).order_by(ServiceRequest.opened_at.desc(), ServiceRequest.id.desc())
    if state:
        stmt = stmt.where(ServiceRequest.state == state)
    if connection_id is not None:
        stmt = stmt.where(ServiceRequest.connection_id == connection_id)
    if q.strip():
        like = f"%{q.strip()[:60]}%"
        cond = (ServiceRequest.protocol.ilike(like) | ServiceRequest.address.ilike(like)
                | ServiceRequest.requester_name.ilike(like))
        digits = "".join(c for c in q if c.isdigit())
        if digits:  # a matricula typed with or without its dash
            cond = cond | (ServiceRequest.matricula == digits)
        stmt = stmt.where(cond)
    return list(session.scalars(stmt.limit(limit)))


def tracking_url(req: ServiceRequest) -> str:
    return f"{settings().public_base_url.rstrip('/')}/portal/acompanhar/{req.public_token}"


def _clean(value: Any, size: int) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())[:size]


def _where(f: dict[str, Any], rt: RequestType) -> dict[str, Any]:
    """Who and where: a matricula (the connection's address and sector), else an address."""
    mat = _clean(f.get("matricula"), 20)
    if mat:
        conn = commercial_api.connection_by_matricula(mat)
        if conn is None:
            raise ValidationError("Matrícula não encontrada. Confira o número com o dígito.",
                                  fields={"matricula": ["não encontrada"]})
        return {"subject": "matricula", "connection_id": conn.id, "matricula": conn.matricula,
                "address": conn.address, "neighbourhood": conn.neighbourhood,
                "sector_code": conn.sector_code, "latitude": conn.latitude,
                "longitude": conn.longitude, "system_id": conn.system_id,
                "requester_name": _clean(f.get("requester_name"), 200) or conn.name}
    if rt.needs_connection:
        raise ValidationError("Este serviço é pedido para uma matrícula.",
                              fields={"matricula": ["obrigatória"]})
    address, hood = _clean(f.get("address"), 300), _clean(f.get("neighbourhood"), 120)
    if len(address) < 5:
        raise ValidationError("Informe o endereço (rua e número ou um ponto de referência).",
                              fields={"address": ["obrigatório"]})
    subject = "eventual" if f.get("subject") == "eventual" else "endereco"
    name = _clean(f.get("requester_name"), 200)
    if subject == "eventual" and len(name) < 3:
        raise ValidationError("Informe o nome do cliente eventual.", fields={"requester_name": ["obrigatório"]})
    out: dict[str, Any] = {"subject": subject, "address": address, "neighbourhood": hood,
                           "requester_name": name}
    out.update(_place_of(hood, f.get("latitude"), f.get("longitude")))
    return out


def _place_of(neighbourhood: str, lat: Any, lon: Any) -> dict[str, Any]:
    """The sector (when the whole neighbourhood has one) and a position for an address."""
    out: dict[str, Any] = {}
    try:
        la, lo = float(lat), float(lon)
        if -90 <= la <= 90 and -180 <= lo <= 180:
            out["latitude"], out["longitude"] = la, lo
    except (TypeError, ValueError):
        pass
    if neighbourhood:
        found = [x for x in commercial_api.locate(neighbourhood, limit=50)
                 if x.neighbourhood.lower() == neighbourhood.lower()]
        sectors = {x.sector_code for x in found if x.sector_code}
        if len(sectors) == 1:
            out["sector_code"] = sectors.pop()
        located = [x for x in found if x.latitude is not None]
        if located and "latitude" not in out:
            out["latitude"], out["longitude"] = located[0].latitude, located[0].longitude
        if found:
            out["system_id"] = found[0].system_id
    return out


def _photo(raw: bytes | None) -> tuple[str | None, str]:
    if not raw:
        return None, ""
    kind = rules.photo_type(raw)
    if kind is None:
        raise ValidationError("A foto deve ser JPEG, PNG ou WebP de até 2 MB.",
                              fields={"photo": ["inválida"]})
    return base64.b64encode(raw).decode("ascii"), kind


@transactional
def open_request(form: dict[str, Any], *, channel: str, photo: bytes | None = None) -> ServiceRequest:
    """Register a request (audited), its first public history line, its work orders, the lab's
    extra sample of a quality complaint, and the sector's incident when complaints add up."""
    if channel not in rules.CHANNELS:
        raise ValidationError("Canal de atendimento inválido.", fields={"channel": ["inválido"]})
    rt = request_type(str(form.get("type_code") or ""))
    if channel == "portal" and not rt.public:
        raise ValidationError("Escolha o tipo de solicitação.", fields={"type_code": ["inválido"]})
    where = _where(form, rt)
    system_id = where.pop("system_id", None)
    photo_b64, photo_kind = _photo(photo)
    now = utcnow()
    req = ServiceRequest(
        protocol=f"T{secrets.token_hex(6)}", public_token=secrets.token_urlsafe(24),
        type_code=rt.code, channel=channel, opened_at=now, photo=photo_b64, photo_type=photo_kind,
        requester_document="".join(c for c in str(form.get("requester_document") or "") if c.isdigit())[:14],
        requester_phone=_clean(form.get("requester_phone"), 40),
        requester_email=_clean(form.get("requester_email"), 200),
        description=str(form.get("description") or "").replace("\x00", "").strip()[:4000], **where)
    with audit_context(reason=f"solicitação aberta ({rules.CHANNELS[channel]})"):
        session.add(req)
        session.flush()
        req.protocol = rules.protocol(now, req.id)
        session.flush()
    event(req.id, f"Solicitação registrada: {rt.description} ({rules.CHANNELS[channel]})")
    _open_orders(req, rt)
    if rt.complaint == "qualidade":
        lab_requests.ask_extra_sample(req, system_id)
    if rt.complaint in COMPLAINT_INCIDENTS:
        _sector_incident(req, rt)
    return req


def _open_orders(req: ServiceRequest, rt: RequestType) -> None:
    """The type's services as work orders: the first is the parent, the others depend on it
    (the parent cannot be executed before them)."""
    parent = None
    for code in rt.services or []:
        wo = wo_svc.open_order(code, origin="solicitacao", description=f"{rt.description} - {req.protocol}"
                               + (f": {req.description[:300]}" if req.description else ""),
                               latitude=req.latitude, longitude=req.longitude, address=req.address,
                               parent_id=parent.id if parent else None, request_id=req.id,
                               connection_id=req.connection_id, matricula=req.matricula,
                               attendance=req.channel)
        parent = parent or wo


def _sector_incident(req: ServiceRequest, rt: RequestType) -> None:
    """N complaints of one kind in one sector within the window open (or join) an incident."""
    if not req.sector_code:
        return
    s = settings()
    since = utcnow() - dt.timedelta(hours=s.complaint_window_hours)
    same = list(session.scalars(select(ServiceRequest).join(
        RequestType, RequestType.code == ServiceRequest.type_code).where(
        RequestType.complaint == rt.complaint, ServiceRequest.sector_code == req.sector_code,
        ServiceRequest.opened_at >= since, ServiceRequest.state != rules.RequestState.CANCELLED)))
    kind, what = COMPLAINT_INCIDENTS[rt.complaint]
    key = f"{req.sector_code}:{kind}:reclamacoes"
    inc = inc_svc.by_open_key(key)
    if inc is None:
        if not rules.opens_incident(len(same), s.complaints_per_incident):
            return
        inc = inc_svc.open_incident(
            title=f"{len(same)} reclamações de {what} no setor {req.sector_code}", kind=kind,
            origin="cidadao", severity="media", open_key=key, notify=False,
            reason=f"{len(same)} reclamações em {s.complaint_window_hours} h",
            asset_code=req.sector_code, asset_name=f"Setor {req.sector_code}", asset_kind="setor",
            latitude=req.latitude, longitude=req.longitude,
            area=inc_svc.area_dict(sector_codes=[req.sector_code]),
            area_description=f"Setor {req.sector_code}" + (f" ({req.neighbourhood})" if req.neighbourhood else ""))
    for r in same:
        if r.incident_id is None:
            with audit_context(reason=f"reclamação ligada ao incidente {inc.protocol}"):
                r.incident_id = inc.id
                session.flush()
            inc_svc.timeline(inc.id, "evento", f"Reclamação {r.protocol}: {r.address}", {"request_id": r.id})
            event(r.id, f"Sua reclamação faz parte do incidente {inc.protocol}, já em atendimento.")


@transactional
def cancel(request_id: int, reason: str) -> ServiceRequest:
    req = get(request_id)
    if req.state in rules.REQUEST_CLOSED:
        raise ValidationError("Esta solicitação já está encerrada.")
    if len(reason.strip()) < 5:
        raise ValidationError("Informe o motivo do cancelamento.", fields={"reason": ["obrigatório"]})
    with audit_context(reason=reason.strip()):  # first: its orders' cancelling then leaves it alone
        req.state = rules.RequestState.CANCELLED
        req.closed_at = utcnow()
        session.flush()
    event(req.id, f"Solicitação cancelada: {reason.strip()}")
    for wo in wo_svc.orders(request_id=req.id):
        if str(wo.state) not in domain.WO_CLOSED:
            wo_svc.transition(wo.id, domain.WorkOrderState.CANCELLED, f"solicitação cancelada: {reason}")
    return req


def record_survey(row: Any, score: Any, comment: str) -> None:
    """The satisfaction survey (score 1-5) on an incident or a request, audited; the caller
    has checked that it may be answered now."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError("Escolha uma nota de 1 a 5", fields={"score": ["de 1 a 5"]})
    with audit_context(reason="pesquisa de satisfação"):
        row.survey_score = score
        row.survey_comment = (comment or "").strip()[:2000]
        row.survey_at = utcnow()
        session.flush()


def survey(token: str, score: Any, comment: str) -> None:
    """The satisfaction survey of a done request, once."""
    req = by_token(token)
    if req is None:
        raise NotFound("Solicitação não encontrada")
    if req.state != rules.RequestState.DONE:
        raise Conflict("A pesquisa fica disponível quando a solicitação for concluída")
    if req.survey_at is not None:
        raise Conflict("A pesquisa desta solicitação já foi respondida. Obrigado!")
    record_survey(req, score, comment)


def count_open() -> int:
    return session.scalar(select(func.count(ServiceRequest.id)).where(
        ServiceRequest.state.in_([rules.RequestState.OPEN, rules.RequestState.IN_PROGRESS]))) or 0
