"""Sending one e-mail through the SMTP server of the settings (SAAE_SMTP_*)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from core.config import Settings


def smtp_send(msg: EmailMessage, settings: Settings, timeout: float) -> None:
    """Send `msg` through `settings.smtp_host`, with STARTTLS and login when configured."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)
