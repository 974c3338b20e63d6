"""Message channels behind one small interface, one class per provider.

- `WhatsAppCloud`: the WhatsApp Business Cloud API (Graph API: POST /{phone-number-id}/messages).
- `SmsHttp`: a plain HTTP/JSON SMS gateway (POST {url}/messages, bearer token).
- `SmtpEmail`: e-mail over SMTP (optionally STARTTLS and login).
- `LocalOutbox`: the demo provider; writes the message to a local page instead of a phone.

A provider answers with a `SendResult`; it never raises for an ordinary refusal. `retryable`
says whether trying again later can help (network errors, 429, 5xx, SMTP 4xx).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import requests
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core.db import session, unit_of_work
from incidents.models import LocalOutbox as Row

log = logging.getLogger(__name__)
TIMEOUT = 10


@dataclass(frozen=True)
class Outgoing:
    key: str  # the message's idempotency key, passed to providers as our reference
    channel: str
    recipient: str  # E.164 phone or e-mail
    content: str
    subject: str = ""
    name: str = ""
    template: str = ""  # WhatsApp approved template name; empty = free text
    template_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider: str
    provider_message_id: str | None = None
    status: str = "enviado"
    answer: dict[str, Any] = field(default_factory=dict)
    retryable: bool = False
    error: str = ""


class Channel(Protocol):
    name: str  # whatsapp | sms | email
    provider: str

    def send(self, msg: Outgoing) -> SendResult: ...


def _http_result(provider: str, resp: requests.Response | None, exc: Exception | None,
                 id_of: Any) -> SendResult:
    if exc is not None:
        return SendResult(False, provider, retryable=True, error=f"{type(exc).__name__}: {exc}"[:500],
                          status="falhou")
    assert resp is not None
    try:
        body = resp.json()
    except ValueError:
        body = {"text": resp.text[:1000]}
    if resp.status_code >= 400:
        err = body.get("error") if isinstance(body, dict) else None
        text = (err.get("message") if isinstance(err, dict) else None) or str(body)[:300]
        return SendResult(False, provider, answer={"http": resp.status_code, "body": body},
                          retryable=resp.status_code in (408, 429) or resp.status_code >= 500,
                          error=f"HTTP {resp.status_code}: {text}"[:500], status="falhou")
    pid = id_of(body)
    if not pid:
        return SendResult(False, provider, answer={"http": resp.status_code, "body": body},
                          retryable=False, error="resposta sem identificador", status="falhou")
    return SendResult(True, provider, str(pid), "enviado", {"http": resp.status_code, "body": body})


class WhatsAppCloud:
    """WhatsApp Business Cloud API client (Graph-API-shaped JSON)."""

    name = "whatsapp"
    provider = "whatsapp_cloud"

    def __init__(self, api_url: str, token: str, phone_number_id: str,
                 session: requests.Session | None = None) -> None:
        self.url = f"{api_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token
        self.http = session or requests.Session()

    def payload(self, msg: Outgoing) -> dict[str, Any]:
        to = msg.recipient.lstrip("+")
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                "to": to, "biz_opaque_callback_data": msg.key}
        if msg.template:
            body |= {"type": "template", "template": {
                "name": msg.template, "language": {"code": "pt_BR"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": p} for p in msg.template_params]}]}}
        else:
            body |= {"type": "text", "text": {"preview_url": True, "body": msg.content}}
        return body

    def send(self, msg: Outgoing) -> SendResult:
        try:
            resp = self.http.post(self.url, json=self.payload(msg), timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as exc:
            return _http_result(self.provider, None, exc, None)
        return _http_result(self.provider, resp, None,
                            lambda b: ((b.get("messages") or [{}])[0] or {}).get("id"))


def whatsapp_statuses(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The status updates in a Cloud API webhook call: [{id, status, timestamp, raw}]."""
    out = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            for st in (change.get("value") or {}).get("statuses") or []:
                out.append({"id": st.get("id"), "status": st.get("status"),
                            "timestamp": st.get("timestamp"), "raw": st})
    return out


def whatsapp_replies(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The text messages people sent in a Cloud API webhook call: [{from, text, id}]."""
    out = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            for m in (change.get("value") or {}).get("messages") or []:
                text = ((m.get("text") or {}).get("body") or (m.get("button") or {}).get("text")
                        or "")
                out.append({"from": str(m.get("from") or ""), "text": str(text),
                            "id": m.get("id")})
    return out


class SmsHttp:
    """An SMS gateway over HTTP: POST {url}/messages {to, text, reference} -> {id, status}."""

    name = "sms"
    provider = "sms_http"

    def __init__(self, api_url: str, token: str, sender: str = "",
                 session: requests.Session | None = None) -> None:
        self.url = f"{api_url.rstrip('/')}/messages"
        self.token = token
        self.sender = sender
        self.http = session or requests.Session()

    def send(self, msg: Outgoing) -> SendResult:
        body = {"to": msg.recipient, "text": msg.content, "reference": msg.key}
        if self.sender:
            body["from"] = self.sender
        try:
            resp = self.http.post(self.url, json=body, timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {self.token}",
                                           "Idempotency-Key": msg.key})
        except requests.RequestException as exc:
            return _http_result(self.provider, None, exc, None)
        return _http_result(self.provider, resp, None, lambda b: b.get("id"))


class SmtpEmail:
    name = "email"
    provider = "smtp"

    def __init__(self, host: str, port: int = 25, user: str = "", password: str = "",
                 starttls: bool = False, sender: str = "nao-responda@saae.local") -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.sender = starttls, sender

    def send(self, msg: Outgoing) -> SendResult:
        em = EmailMessage()
        em["From"] = self.sender
        em["To"] = msg.recipient
        em["Subject"] = msg.subject or "Aviso do SAAE"
        em["Date"] = formatdate(localtime=False)
        mid = f"<{msg.key}@saae.incidentes>"
        em["Message-ID"] = mid
        em.set_content(msg.content)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(em)
                code, reply = smtp.noop()
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult(False, self.provider, answer={"refused": str(exc.recipients)},
                              error="destinatário recusado", status="falhou")
        except smtplib.SMTPResponseException as exc:
            return SendResult(False, self.provider, answer={"code": exc.smtp_code},
                              retryable=400 <= exc.smtp_code < 500,
                              error=f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500], status="falhou")
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(False, self.provider, retryable=True, status="falhou",
                              error=f"{type(exc).__name__}: {exc}"[:500])
        return SendResult(True, self.provider, mid, "enviado",
                          {"accepted": msg.recipient, "refused": {k: list(v) for k, v in refused.items()},
                           "noop": [code, reply.decode(errors="replace")]})


class LocalOutbox:
    """Demo provider: the message lands on the local outbox page (incidents_local_outbox)."""

    provider = "local"

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, msg: Outgoing) -> SendResult:
        found = self.lookup(msg.key)
        if found is not None:  # the same key twice is the same message: shown once
            return found
        values = {"channel": self.name, "recipient": msg.recipient, "subject": msg.subject,
                  "content": msg.content, "reference": msg.key}
        with unit_of_work() as s:
            # two senders racing on one key: the second insert is a no-op, not an error
            dialect = s.get_bind().dialect.name
            ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
            s.execute(ins(Row).values(**values)
                      .on_conflict_do_nothing(index_elements=["reference"]))
        found = self.lookup(msg.key)
        assert found is not None
        return found

    def send_many(self, msgs: list[Outgoing]) -> list[SendResult]:
        """Many messages in one INSERT (a key already here is not written again: the same
        key twice is the same message, shown once) and one read back."""
        if not msgs:
            return []
        with unit_of_work() as s:
            dialect = s.get_bind().dialect.name
            ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
            s.execute(ins(Row).on_conflict_do_nothing(index_elements=["reference"]), [
                {"channel": self.name, "recipient": m.recipient, "subject": m.subject,
                 "content": m.content, "reference": m.key} for m in msgs])
        found = self.lookup_many([m.key for m in msgs])
        return [found[m.key] for m in msgs]

    def lookup_many(self, keys: list[str]) -> dict[str, SendResult]:
        """`lookup` for many keys at once (the keys never seen are absent)."""
        rows = session.execute(select(Row.id, Row.reference).where(Row.reference.in_(keys)))
        return {ref: SendResult(True, self.provider, f"local-{row_id}", "enviado",
                                {"outbox_id": row_id}) for row_id, ref in rows}

    def lookup(self, key: str) -> SendResult | None:
        """What this provider already did with `key` (None: never seen), so a sender that died
        between sending and recording can settle the message without sending it again."""
        row_id = session.scalar(select(Row.id).where(Row.reference == key))
        if row_id is None:
            return None
        return SendResult(True, self.provider, f"local-{row_id}", "enviado", {"outbox_id": row_id})


def channels_for(settings: Any) -> dict[str, Channel]:
    """The configured channel of each kind (a kind absent here cannot be used)."""
    if settings.notify_provider == "outbox":
        return {n: LocalOutbox(n) for n in ("whatsapp", "sms", "email")}
    out: dict[str, Channel] = {}
    if settings.whatsapp_api_url:
        out["whatsapp"] = WhatsAppCloud(settings.whatsapp_api_url, settings.whatsapp_token,
                                        settings.whatsapp_phone_number_id)
    if settings.sms_api_url:
        out["sms"] = SmsHttp(settings.sms_api_url, settings.sms_token, settings.sms_sender)
    if settings.smtp_host:
        out["email"] = SmtpEmail(settings.smtp_host, settings.smtp_port, settings.smtp_user,
                                 settings.smtp_password, settings.smtp_starttls, settings.mail_from)
    return out
