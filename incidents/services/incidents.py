"""Opening, attaching, escalating and moving incidents through their lifecycle."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from sqlalchemy import or_, select

from commercial.api import Area, consumers_in_area, count_in_area
from core.audit import audit_context, current_actor
from core.db import get_or_404, session, transactional, utcnow
from core.errors import IllegalTransition, ValidationError
from core.events import publish
from core.web import settings
from incidents import domain
from incidents.domain import IncidentState, opening
from incidents.events import IncidentOpened, IncidentStateChanged
from incidents.models import Incident, TimelineEntry
from incidents.services import evidence

log = logging.getLogger(__name__)

KINDS = {"interrupcao": "Interrupção / falta d'água", "qualidade": "Qualidade da água",
         "manutencao": "Manutenção", "atendimento": "Atendimento ao cliente"}
ORIGINS = {"scada": "Supervisório (SCADA)", "laboratorio": "Laboratório", "eta": "Parada de ETA",
           "operador": "Operador", "cidadao": "Cidadão", "externo": "Sistema externo"}


def get(incident_id: int) -> Incident:
    return get_or_404(Incident, incident_id, "Incidente não encontrado")


def by_open_key(open_key: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.open_key == open_key)).first()


def timeline(incident_id: int, kind: str, text: str, data: dict[str, Any] | None = None, *,
             public: bool = False, at: dt.datetime | None = None) -> TimelineEntry:
    entry = TimelineEntry(incident_id=incident_id, kind=kind, text=text[:1000],
                          data=domain.jsonable(data or {}), public=public, at=at or utcnow(),
                          username=current_actor().username)
    session.add(entry)
    return entry


def entries(incident_id: int) -> list[TimelineEntry]:
    return list(session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
                                .order_by(TimelineEntry.at, TimelineEntry.id)))


def _snapshot(inc: Incident) -> dict[str, Any]:
    return {"protocol": inc.protocol, "title": inc.title, "kind": inc.kind, "origin": inc.origin,
            "state": str(inc.state), "severity": inc.severity, "asset_code": inc.asset_code,
            "area": inc.area, "reason": inc.reason, "at": utcnow().isoformat(),
            "by": current_actor().username}


@transactional
def open_incident(*, title: str, kind: str, origin: str, severity: str = "media",
                  open_key: str | None = None, notify: bool | None = None, reason: str = "",
                  **fields: Any) -> Incident:
    """Open an incident (auditable, with its first timeline entry and evidence link)."""
    if kind not in KINDS:
        raise ValidationError("Tipo de incidente inválido", fields={"kind": ["invalido"]})
    if origin not in ORIGINS:
        raise ValidationError("Origem inválida", fields={"origin": ["invalida"]})
    if not title.strip():
        raise ValidationError("Informe o título", fields={"title": ["obrigatorio"]})
    if severity not in domain.SEVERITIES:
        raise ValidationError("Gravidade inválida", fields={"severity": ["invalida"]})
    now = utcnow()
    fields.setdefault("safety_measures", domain.SAFETY_MEASURES.get(kind, ""))
    fields.setdefault("public_notice", kind in ("interrupcao", "qualidade"))
    inc = Incident(title=title.strip()[:200], kind=kind, origin=origin, severity=severity,
                   open_key=open_key, reason=(reason or title)[:500], opened_at=now,
                   protocol=f"T{secrets.token_hex(6)}", public_token=secrets.token_urlsafe(24),
                   **fields)
    with audit_context(reason=f"abertura ({ORIGINS[origin]})"):
        session.add(inc)
        session.flush()
        inc.protocol = f"{now:%Y}{inc.id:06d}"
        session.flush()
    timeline(inc.id, "evento", f"Incidente aberto: {inc.title} ({ORIGINS[origin]})",
             {"severity": severity}, public=True)
    evidence.append(inc.id, "incidente_aberto", _snapshot(inc))
    if notify is None:
        notify = opening.auto_notify(enabled=settings().incidents_auto_notify, kind=kind,
                                     severity=severity,
                                     min_severity=settings().incidents_auto_min_severity)
    publish(IncidentOpened(inc.id, inc.protocol, kind, origin, severity, bool(notify)))
    return inc


@transactional
def attach(inc: Incident, *, severity: str, note: str, anomaly_id: int | None = None) -> bool:
    """A repeat of an open incident: attach it; a higher severity escalates. True if changed."""
    changed = False
    if anomaly_id is not None and anomaly_id not in (inc.anomaly_ids or []):
        inc.anomaly_ids = [*(inc.anomaly_ids or []), anomaly_id]
        timeline(inc.id, "evento", f"Ocorrência repetida anexada: {note}", {"anomaly_id": anomaly_id})
        changed = True
    if domain.escalates(inc.severity, severity):
        old = inc.severity
        with audit_context(reason=f"escalado de {old} para {severity}"):
            inc.severity = severity
            session.flush()
        timeline(inc.id, "evento", f"Gravidade elevada de {old} para {severity}: {note}")
        evidence.append(inc.id, "incidente_escalado", {"from": old, "to": severity, "note": note,
                                                       "at": utcnow().isoformat()})
        changed = True
    return changed


@contextmanager
def audited_move(row: Any, new: str, reason: str) -> Iterator[tuple[str, dt.datetime]]:
    """Set `row.state` to `new` in one audited change (the reason given, else "old -> new");
    yields (old state, now) so the caller sets the step's own fields in the same change."""
    old = str(row.state)
    now = utcnow()
    with audit_context(reason=reason or f"{old} -> {new}"):
        row.state = new
        yield old, now
        session.flush()


@transactional
def transition(incident_id: int, target: str, reason: str = "") -> Incident:
    """Move the incident one step of the lifecycle (audited, on the timeline and the chain)."""
    inc = get(incident_id)
    try:
        new = domain.incident_next(inc.state, target)
    except domain.TransitionError as exc:
        raise IllegalTransition(str(exc)) from None
    if new == IncidentState.CANCELLED and not reason.strip():
        raise ValidationError("Informe o motivo do cancelamento", fields={"reason": ["obrigatorio"]})
    with audited_move(inc, new, reason) as (old, now):
        if new == IncidentState.RESOLVED:
            inc.resolved_at = now
        if new in (IncidentState.CLOSED, IncidentState.CANCELLED):
            inc.closed_at = now
            inc.resolved_at = inc.resolved_at or now
        if new not in domain.OPEN_INCIDENT_STATES:
            inc.open_key = None  # a new episode on the same asset opens a new incident
    label = domain.INCIDENT_LABELS[new]
    timeline(inc.id, "acao", f"Situação: {label}" + (f" ({reason})" if reason else ""), public=True)
    evidence.append(inc.id, "situacao", {"from": old, "to": str(new), "reason": reason,
                                         "at": now.isoformat(), "by": current_actor().username})
    publish(IncidentStateChanged(inc.id, inc.protocol, old, str(new)))
    return inc


@transactional
def reopen(inc: Incident, open_key: str, reason: str) -> Incident:
    """The problem came back: the resolved incident is open again under its key."""
    transition(inc.id, IncidentState.OPEN, reason)
    with audit_context(reason=reason):
        inc.open_key = open_key
        inc.resolved_at = None
        session.flush()
    return inc


def recently_resolved(asset_code: str, kind: str) -> Incident | None:
    inc = session.scalars(select(Incident).where(Incident.asset_code == asset_code,
                                                 Incident.kind == kind,
                                                 Incident.state == IncidentState.RESOLVED)
                          .order_by(Incident.resolved_at.desc()).limit(1)).first()
    return inc if inc and domain.should_reopen(inc.state, inc.resolved_at, utcnow()) else None


@transactional
def close(incident_id: int, reason: str = "") -> Incident:
    """Resolve (if needed) and close: the two audited steps an operator's 'Encerrar' means."""
    inc = get(incident_id)
    if inc.state in domain.OPEN_INCIDENT_STATES:
        transition(incident_id, IncidentState.RESOLVED, reason or "serviço restabelecido")
    return transition(incident_id, IncidentState.CLOSED, reason or "encerrado")


@transactional
def set_area(incident_id: int, *, sector_codes: list[str], neighbourhoods: list[str],
             segment_codes: list[str] | None = None, description: str = "",
             estimated_hours: float | None = None, reason: str = "") -> Incident:
    """Operators adjust who is affected (and what the notice says about it)."""
    inc = get(incident_id)
    area = Area(sector_codes=tuple(s for s in sector_codes if s),
                segment_codes=tuple(s for s in segment_codes or () if s),
                neighbourhoods=tuple(n for n in neighbourhoods if n))
    with audit_context(reason=reason or "área afetada ajustada"):
        inc.area = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(area).items()}
        inc.area_description = description or describe_area(area)
        if estimated_hours is not None:
            inc.estimated_hours = estimated_hours
        session.flush()
    n = count_in_area(area)
    timeline(inc.id, "acao", f"Área afetada ajustada: {inc.area_description} ({n} ligações)")
    return inc


def area_of(inc: Incident) -> Any:
    a = inc.area or {}
    return Area(sector_codes=tuple(a.get("sector_codes") or ()),
                segment_codes=tuple(a.get("segment_codes") or ()),
                neighbourhoods=tuple(a.get("neighbourhoods") or ()),
                polygon=tuple(tuple(p) for p in a.get("polygon") or ()),
                system_id=a.get("system_id"))


def _names(items: list[str], limit: int = 6) -> str:
    items = sorted(dict.fromkeys(i for i in items if i))
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" e mais {len(items) - limit}"
    return ", ".join(items[:-1]) + " e " + items[-1] if len(items) > 1 else "".join(items)


def describe_area(area: Any) -> str:
    """The affected area as citizens know it: neighbourhoods (a sector is described by the
    neighbourhoods of its connections), never internal codes."""
    hoods = list(area.neighbourhoods)
    if area.sector_codes:
        hoods += [c.neighbourhood for c in consumers_in_area(Area(sector_codes=tuple(area.sector_codes)))]
    if area.segment_codes:
        hoods += [c.neighbourhood for c in consumers_in_area(Area(segment_codes=tuple(area.segment_codes)))]
    if hoods:
        names = _names(hoods)
        return ("Bairro " if len(set(h for h in hoods if h)) == 1 else "Bairros ") + names
    if area.system_id is not None:
        return "Toda a área abastecida pelo sistema"
    return "a definir"


def area_dict(**kw: Any) -> dict[str, Any]:
    base = {"sector_codes": [], "segment_codes": [], "neighbourhoods": [], "polygon": [],
            "system_id": None}
    base.update({k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()})
    return base


def search(*, state: str | None = None, kind: str | None = None, origin: str | None = None,
           q: str = "", only_open: bool = False, limit: int = 200) -> list[Incident]:
    stmt = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Incident.state == state)
    if only_open:
        stmt = stmt.where(Incident.state.in_([str(s) for s in domain.OPEN_INCIDENT_STATES]))
    if kind:
        stmt = stmt.where(Incident.kind == kind)
    if origin:
        stmt = stmt.where(Incident.origin == origin)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Incident.protocol.ilike(like), Incident.title.ilike(like),
                              Incident.asset_code.ilike(like)))
    return list(session.scalars(stmt))
