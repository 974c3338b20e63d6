"""lims.tasks: background jobs (take ids / plain values, call services)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def send_monthly_reports(year: int | None = None, month: int | None = None,
                         force: bool = False) -> int:
    """E-mail the pre-closing report (PDF + XLSX) of the previous month of every system to
    settings.lims_report_recipients over the configured SMTP. The beat runs it daily; it acts
    on the 1st of the month (or when forced / given a month). Returns messages sent."""
    from lims.services import reports

    settings = current_app.config["SAAE_SETTINGS"]
    recipients = [r.strip() for r in settings.lims_report_recipients.split(",") if r.strip()]
    today = dt.date.today()
    if year is None or month is None:
        if not force and today.day != 1:
            return 0
        prev = today.replace(day=1) - dt.timedelta(days=1)
        year, month = prev.year, prev.month
    if not recipients or not settings.smtp_host:
        log.info("monthly LIMS reports: no recipients or SMTP configured")
        return 0
    sent = 0
    for system_id, name in reports.known_systems():
        msg = EmailMessage()
        msg["Subject"] = f"Qualidade da água - {name} - {month:02d}/{year}"
        msg["From"] = settings.mail_from
        msg["To"] = ", ".join(recipients)
        msg.set_content(f"Segue o relatório de qualidade da água de {name}, {month:02d}/{year} "
                        f"(Portaria GM/MS 888/2021).\n\n{settings.utility_name}")
        for fmt in ("pdf", "xlsx"):
            content, mime, fname = reports.closing_document(system_id, year, month, fmt)
            maintype, subtype = mime.split("/", 1)
            msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=fname)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
        sent += 1
    return sent


def generate_scheduled_samples() -> int:
    """Daily: the month's (and, late in the month, next month's) PROGRAMADA samples of every
    approved sampling plan; idempotent."""
    from lims.services import plans

    return plans.generate_due(dt.date.today())
