"""lims.tasks: background jobs (take ids / plain values, call services)."""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from typing import Any

from flask import current_app

from core import jobs
from core.errors import DomainError
from core.mail import smtp_send
from lims.services import closing, documents, plans, quality

log = logging.getLogger(__name__)


def send_monthly_reports(year: int | None = None, month: int | None = None,
                         force: bool = False) -> int:
    """E-mail the pre-closing report (PDF + XLSX) of the previous month of every system to
    settings.lims_report_recipients over the configured SMTP. The beat runs it daily; it acts
    on the 1st of the month (or when forced / given a month) by queueing one tracked job per
    month (core.jobs: a worker killed mid-way leaves it interrupted, and resuming it sends only
    what was not sent). Returns the messages sent when the job ran here (inline), else 0."""
    settings = current_app.config["SAAE_SETTINGS"]
    today = dt.date.today()
    scheduled = year is None or month is None
    if scheduled:
        if not force and today.day != 1:
            return 0
        prev = today.replace(day=1) - dt.timedelta(days=1)
        year, month = prev.year, prev.month
    recipients = [r.strip() for r in settings.lims_report_recipients.split(",") if r.strip()]
    if not recipients or not settings.smtp_host:
        log.info("monthly LIMS reports: no recipients or SMTP configured")
        return 0
    subject = f"lims.reports:{year}-{month:02d}"
    previous = jobs.latest_for(subject)
    if scheduled and not force and previous is not None and previous.state != jobs.JobState.CANCELLED:
        return 0  # queued, done or waiting for a person (interrupted): never twice by the beat
    job = jobs.submit("lims.tasks.email_monthly_reports",
                      f"Relatórios mensais por e-mail {month:02d}/{year}", subject=subject,
                      kwargs={"year": year, "month": month}, permission="lims.closing.close")
    job = jobs.get(job.id)
    return int((job.result or {}).get("enviados", 0))


def email_monthly_reports(year: int, month: int) -> dict[str, int]:
    """The job: one message per system; each accepted message is checkpointed at once, so a
    resumed run skips it (at most the one message in flight when the worker died is resent,
    with the same Message-ID, which mail clients fold into one)."""
    settings = current_app.config["SAAE_SETTINGS"]
    recipients = [r.strip() for r in settings.lims_report_recipients.split(",") if r.strip()]
    systems = quality.known_systems()
    done = jobs.checkpointed()
    jobs.progress(len(done), len(systems))
    sent = 0
    domain = settings.mail_from.rpartition("@")[2] or "saae.local"
    for system_id, name in systems:
        key = f"sistema:{system_id}"
        if key in done:
            continue
        msg = EmailMessage()
        msg["Subject"] = f"Qualidade da água - {name} - {month:02d}/{year}"
        msg["From"] = settings.mail_from
        msg["To"] = ", ".join(recipients)
        msg["Message-ID"] = f"<relatorio-{year}{month:02d}-{system_id}@{domain}>"
        msg.set_content(f"Segue o relatório de qualidade da água de {name}, {month:02d}/{year} "
                        f"(Portaria GM/MS 888/2021).\n\n{settings.utility_name}")
        for fmt in ("pdf", "xlsx"):
            content, mime, fname = documents.closing_document(system_id, year, month, fmt)
            maintype, subtype = mime.split("/", 1)
            msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=fname)
        smtp_send(msg, settings, timeout=30)
        jobs.checkpoint(key)
        sent += 1
        jobs.progress(len(done) + sent)
    return {"enviados": sent, "ja_enviados": len(done), "sistemas": len(systems)}


def close_month_all(year: int, month: int, user_id: int | None = None) -> dict[str, Any]:
    """The monthly closing of every system as one resumable job (`saae close-month`): each
    system is closed in its own transaction by lims.services.closing.close_month; a system
    already closed (by a run a dead worker left behind, or by a person) is skipped."""
    settings = current_app.config["SAAE_SETTINGS"]
    systems = quality.known_systems()
    jobs.progress(0, len(systems))
    closed, already, refused = 0, 0, []
    for n, (system_id, name) in enumerate(systems, 1):
        if closing.is_closed(system_id, year, month):
            already += 1
        else:
            try:
                closing.close_month(system_id, year, month, user_id=user_id,
                                    auto_publish=settings.lims_auto_publish_after_closing)
                closed += 1
            except DomainError as exc:
                refused.append({"sistema": name, "motivo": exc.message})
        jobs.progress(n)
    return {"fechados": closed, "ja_fechados": already, "recusados": len(refused),
            "motivos": refused[:50]}


def generate_scheduled_samples() -> int:
    """Daily: the month's (and, late in the month, next month's) PROGRAMADA samples of every
    approved sampling plan; idempotent."""
    return plans.generate_due(dt.date.today())
