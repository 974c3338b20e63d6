"""What follows incidents' own events, after their commit: the automatic work order, the
notices, the first on-call page, and the sending job of a queued notice."""

from __future__ import annotations

from sqlalchemy import select

from core import jobs
from core.audit import audit_context
from core.db import session
from core.web import settings
from incidents.domain import opening
from incidents.models import Incident, Notice
from incidents.services import notify, oncall, quality_loop
from incidents.services import workorders as wo_svc


def after_opening(incident_id: int, *, notify_affected: bool) -> None:
    """Its work order (if serious), its notices, and the person on call."""
    inc = session.get(Incident, incident_id)
    if inc is None:
        return
    s = settings()
    with audit_context(reason="abertura automática"):
        code = opening.auto_work_order_service(
            enabled=s.incidents_auto_work_order, origin=inc.origin, kind=inc.kind,
            severity=inc.severity, min_severity=s.incidents_auto_min_severity,
            has_orders=bool(wo_svc.orders(incident_id=inc.id)))
        if code and any(st.code == code for st in wo_svc.catalogue()):
            wo_svc.open_order(code, incident_id=inc.id, description=inc.reason,
                              latitude=inc.latitude, longitude=inc.longitude,
                              address=inc.asset_name)
        if notify_affected:
            notify.queue_notice(inc.id, "abertura")
        # the person on call hears of it now, whatever the notices do
        oncall.start(inc.id)
        quality_loop.request_samples(inc.id)  # a linked point's lab samples (issue 18)
        if notify.step_enabled("aberto"):
            notify.queue_notice(inc.id, "etapa_aberto")


def after_state_change(incident_id: int, new_state: str) -> None:
    """Service restored -> tell those told of the problem; ticket steps -> their message."""
    inc = session.get(Incident, incident_id)
    if inc is None or inc.state != new_state:
        return  # stale: the incident moved on (e.g. reopened) before this was delivered
    with audit_context(reason="mensagens da etapa"):
        told = session.scalars(select(Notice.id).where(Notice.incident_id == incident_id,
                                                       Notice.purpose == "abertura")).first()
        if opening.restoration_due(new_state, told is not None):
            notify.queue_notice(incident_id, "restabelecimento")
        if notify.step_enabled(new_state):
            notify.queue_notice(incident_id, f"etapa_{new_state}")


def start_sending(notice_id: int, messages: int) -> None:
    """Sending starts only now, after the messages' commit (a worker picks it up), as a
    tracked job: a worker killed mid-way leaves it interrupted, to be resumed from its page."""
    subject = f"incidents.notice:{notice_id}"
    if messages and jobs.latest_for(subject) is None:  # the outbox delivers at least once
        jobs.submit("incidents.tasks.dispatch_notice",
                    f"Envio do aviso {notice_id} ({messages} mensagens)", subject=subject,
                    kwargs={"notice_id": notice_id}, permission="incidents.notice.send")
