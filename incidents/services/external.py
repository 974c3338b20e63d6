"""Tickets from external systems (seed 003): created or updated by the source's events,
deduplicated by (source system, source code), status mirrored, closed when the source closes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit import audit_context
from core.db import session, transactional
from core.errors import ValidationError
from incidents import domain
from incidents.domain import IncidentState
from incidents.models import Incident
from incidents.services import incidents as svc

# source status (lower-case, as sent) -> our state
MIRROR = {"aberto": IncidentState.OPEN, "novo": IncidentState.OPEN,
          "em_analise": IncidentState.UNDER_ANALYSIS, "analise": IncidentState.UNDER_ANALYSIS,
          "em_andamento": IncidentState.IN_PROGRESS, "em_atendimento": IncidentState.IN_PROGRESS,
          "resolvido": IncidentState.RESOLVED, "concluido": IncidentState.CLOSED,
          "finalizado": IncidentState.CLOSED, "fechado": IncidentState.CLOSED,
          "encerrado": IncidentState.CLOSED, "cancelado": IncidentState.CANCELLED}


def _find(system: str, code: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.source_system == system,
                                                  Incident.source_code == code)).first()


@transactional
def upsert(data: dict[str, Any]) -> tuple[Incident, bool]:
    """Apply one external event; (ticket, created)."""
    system = str(data.get("source_system") or "").strip()[:60]
    code = str(data.get("source_code") or "").strip()[:80]
    errors = {k: ["obrigatorio"] for k, v in (("source_system", system), ("source_code", code)) if not v}
    if errors:
        raise ValidationError("Informe o sistema e o código de origem", fields=errors)
    status = str(data.get("status") or "aberto").strip().lower().replace(" ", "_")
    extra = {k: data[k] for k in ("process_number", "issued_at", "product", "problem") if data.get(k)}
    inc = _find(system, code)
    created = False
    if inc is None:
        req = data.get("customer") or {}
        try:
            with session.begin_nested():
                inc = svc.open_incident(
                    title=str(data.get("title") or f"{system} {code}")[:200], kind="atendimento",
                    origin="externo", severity="media", notify=False,
                    reason=str(data.get("problem") or data.get("title") or "")[:500],
                    description=str(data.get("description") or ""), source_system=system,
                    source_code=code, source_status=status, source_data=domain.jsonable(extra),
                    requester_name=str(req.get("name") or ""), requester_phone=str(req.get("phone") or ""),
                    requester_email=str(req.get("email") or ""), public_notice=False)
            created = True
        except IntegrityError:  # the same event arriving twice at once
            inc = _find(system, code)
            assert inc is not None
    if not created:
        if status == inc.source_status and not extra:
            return inc, False
        with audit_context(reason=f"evento de {system}"):
            inc.source_status = status
            inc.source_data = domain.jsonable({**(inc.source_data or {}), **extra})
            session.flush()
        svc.timeline(inc.id, "evento", f"Situação no sistema de origem ({system}): {status}", public=False)
    _mirror(inc, status, system)
    return inc, created


def _mirror(inc: Incident, status: str, system: str) -> None:
    target = MIRROR.get(status)
    if target is None or target == inc.state:
        return
    reason = f"espelhado de {system} ({status})"
    if target == IncidentState.CLOSED:
        if inc.state in domain.OPEN_INCIDENT_STATES or inc.state == IncidentState.RESOLVED:
            svc.close(inc.id, reason)
        return
    if target in domain.INCIDENT_TRANSITIONS[inc.state]:
        svc.transition(inc.id, target, reason)
