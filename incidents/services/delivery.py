"""Sending the queued messages and recording what providers say of them.

- `dispatch` claims pending messages with SKIP LOCKED, marks them `enviando` and commits
  BEFORE calling the provider, so a second worker or a retry never sends one twice; a
  worker that dies mid-send leaves the message `enviando` (shown as 'incerto', never resent
  automatically). Failures a retry can fix wait with exponential backoff.
- `record_receipt` keeps every status as it arrived and the furthest state on the message.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select, update

from core import jobs
from core.db import session, transactional, unit_of_work, utcnow
from core.web import settings
from incidents import domain
from incidents.channels import Outgoing, SendResult, channels_for
from incidents.models import Message, Notice, Receipt
from incidents.services import evidence
from incidents.services import incidents as inc_svc
from incidents.services.notify import template

log = logging.getLogger(__name__)

STALE_CLAIM = dt.timedelta(minutes=10)


def _claim(notice_id: int | None, batch: int) -> list[int]:
    """Claim due messages for this sender. SKIP LOCKED keeps PostgreSQL senders apart; the
    conditional UPDATE (still pending?) makes the claim exclusive where row locks do not exist
    (SQLite: the demo's beat and a notice's own job both dispatching the same messages)."""
    now = utcnow()
    due = Message.status.in_(("pendente", "nova_tentativa"))
    with unit_of_work() as s:
        stmt = (select(Message.id).where(due, (Message.next_attempt_at.is_(None))
                                         | (Message.next_attempt_at <= now))
                .order_by(Message.id).limit(batch).with_for_update(skip_locked=True))
        if notice_id is not None:
            stmt = stmt.where(Message.notice_id == notice_id)
        claimed = []
        for mid in list(s.scalars(stmt)):
            res = s.execute(update(Message).where(Message.id == mid, due)
                            .values(status="enviando", claimed_at=now,
                                    attempts=Message.attempts + 1))
            if res.rowcount == 1:
                claimed.append(mid)
        return claimed


def dispatch(notice_id: int | None = None, *, batch: int = 100, max_messages: int | None = None) -> int:
    """Send what is due (of one notice, or all); returns how many sends were attempted."""
    configured = channels_for(settings())
    if notice_id is not None and jobs.resuming():
        settle_orphans(notice_id, configured)
    total = None
    if notice_id is not None:
        total = session.scalar(select(func.count()).select_from(Message)
                               .where(Message.notice_id == notice_id))
    done = 0
    while max_messages is None or done < max_messages:
        ids = _claim(notice_id, batch if max_messages is None else min(batch, max_messages - done))
        if not ids:
            break
        tpl_cache: dict[int, str] = {}
        results = [(mid, _send_one(mid, configured, tpl_cache)) for mid in ids]
        # one transaction per batch: a crash before it leaves the batch 'enviando' (never resent)
        with unit_of_work():
            for mid, result in results:
                record_send(mid, result)
        done += len(ids)
        if notice_id is not None:  # settled messages of the notice, whoever sent them
            jobs.progress(int(total or 0) - int(session.scalar(
                select(func.count()).select_from(Message).where(
                    Message.notice_id == notice_id,
                    Message.status.in_(("pendente", "nova_tentativa", "enviando")))) or 0), total)
    return done


def settle_orphans(notice_id: int, configured: dict[str, Any]) -> dict[str, int]:
    """Messages a dead sender left 'enviando' (claimed, maybe sent, never recorded): a
    provider that can tell what it did with a key settles them without a second send; the
    others go back to the queue only if the provider never saw them, else 'incerto' (a
    person checks with the provider before resending)."""
    out = {"confirmados": 0, "reenfileirados": 0, "incertos": 0}
    with unit_of_work() as s:
        for msg in s.scalars(select(Message).where(Message.notice_id == notice_id,
                                                   Message.status.in_(("enviando", "incerto")))
                             .with_for_update(skip_locked=True)):
            channel = configured.get(msg.channel)
            lookup = getattr(channel, "lookup", None)
            if lookup is None:
                if msg.status == "incerto":
                    continue
                msg.status = "incerto"
                msg.last_error = "envio interrompido: confirme com o provedor antes de reenviar"
                out["incertos"] += 1
                continue
            found = lookup(msg.key)
            if found is not None:
                record_send(msg.id, found)
                out["confirmados"] += 1
            else:
                msg.status = "pendente"
                msg.attempts = max(0, msg.attempts - 1)
                out["reenfileirados"] += 1
    log.info("notice %s: orphan messages settled %s", notice_id, out)
    return out


def _send_one(message_id: int, configured: dict[str, Any], tpl_cache: dict[int, str]) -> SendResult:
    msg = session.get(Message, message_id)
    assert msg is not None
    tpl_name = ""
    if msg.notice_id:
        if msg.notice_id not in tpl_cache:
            notice = session.get(Notice, msg.notice_id)
            tpl_cache[msg.notice_id] = template(notice.template_code).whatsapp_template if notice else ""
        tpl_name = tpl_cache[msg.notice_id]
    out = Outgoing(key=msg.key, channel=msg.channel, recipient=msg.recipient, content=msg.content,
                   subject=msg.subject, name=msg.name, template=tpl_name,
                   template_params=(msg.content,) if tpl_name else ())
    channel = configured.get(msg.channel)
    try:
        result = (channel.send(out) if channel else
                  SendResult(False, "nenhum", error=f"canal {msg.channel} não configurado"))
    except Exception as exc:  # a provider bug must not leave the message claimed forever
        log.exception("send %s", msg.key)
        result = SendResult(False, getattr(channel, "provider", "?"), retryable=True,
                            error=f"{type(exc).__name__}: {exc}"[:500], status="falhou")
    return result


@transactional
def record_send(message_id: int, result: SendResult) -> Message:
    msg = session.get(Message, message_id)
    assert msg is not None
    now = utcnow()
    s = settings()
    msg.provider = result.provider
    msg.provider_answer = domain.jsonable(result.answer)
    session.add(Receipt(message_id=msg.id, status="enviado" if result.ok else "falhou",
                        provider_status="aceito" if result.ok else (result.error or "erro")[:40],
                        at=now, raw=domain.jsonable({"answer": result.answer, "error": result.error,
                                                     "attempt": msg.attempts})))
    if result.ok:
        msg.provider_message_id = result.provider_message_id
        msg.status = domain.furthest("enviando", "enviado") if msg.status == "enviando" else \
            domain.furthest(msg.status, "enviado")
        msg.sent_at = now
        msg.last_error = ""
        kind = "mensagem"
    elif result.retryable and msg.attempts < s.incidents_max_attempts:
        msg.status = "nova_tentativa"
        msg.next_attempt_at = now + dt.timedelta(
            seconds=domain.backoff_seconds(msg.attempts, s.incidents_retry_base_seconds))
        msg.last_error = result.error
        kind = "tentativa_falhou"
    else:
        msg.status = "falhou"
        msg.failed_at = now
        msg.last_error = result.error
        kind = "mensagem_falhou"
    session.flush()
    evidence.append(msg.incident_id, kind, {
        "message_id": msg.id, "key": msg.key, "channel": msg.channel, "recipient": msg.recipient,
        "name": msg.name, "subject": msg.subject, "content": msg.content,
        "content_sha256": msg.content_sha256, "created_at": msg.created_at.isoformat(),
        "attempt": msg.attempts, "at": now.isoformat(), "provider": result.provider,
        "provider_message_id": result.provider_message_id, "provider_answer": result.answer,
        "error": result.error}, message_id=msg.id)
    if not msg.notice_id or _small_notice(msg.notice_id):
        text = {"mensagem": "Mensagem enviada", "tentativa_falhou": "Falha no envio (nova tentativa)",
                "mensagem_falhou": "Falha no envio"}[kind]
        inc_svc.timeline(msg.incident_id, "mensagem", f"{text} por {msg.channel} para {msg.name}",
                         {"message_id": msg.id})
    return msg


def _small_notice(notice_id: int) -> bool:
    n = session.get(Notice, notice_id)
    return bool(n and n.recipients <= 20)


def _parse_at(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or str(value).isdigit():
            return dt.datetime.fromtimestamp(int(value), dt.UTC)
        at = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    except ValueError:
        return None


@transactional
def record_receipt(provider_message_id: str, provider_status: str, at: Any = None,
                   raw: dict[str, Any] | None = None, *, key: str | None = None) -> Message | None:
    """A delivery status from a provider (any order): kept as it came; the message keeps
    the furthest state. None when no message has this id (the provider should retry)."""
    stmt = select(Message).where(Message.provider_message_id == provider_message_id)
    if key:
        stmt = select(Message).where((Message.provider_message_id == provider_message_id)
                                     | (Message.key == key))
    msg = session.scalars(stmt.with_for_update()).first()
    if msg is None:
        return None
    status = domain.PROVIDER_STATUS.get(str(provider_status).lower(), "")
    when = _parse_at(at) or utcnow()
    session.add(Receipt(message_id=msg.id, status=status or "desconhecido",
                        provider_status=str(provider_status)[:40], at=when,
                        raw=domain.jsonable(raw or {})))
    if status:
        msg.status = domain.furthest(msg.status, status)
        if status == "entregue":
            msg.delivered_at = msg.delivered_at or when
        elif status == "lido":
            msg.read_at = msg.read_at or when
            msg.delivered_at = msg.delivered_at or when
        elif status == "falhou":
            msg.failed_at = msg.failed_at or when
    session.flush()
    evidence.append(msg.incident_id, "recibo", {
        "message_id": msg.id, "key": msg.key, "provider_message_id": provider_message_id,
        "provider_status": str(provider_status), "status": status, "at": when.isoformat(),
        "received_at": utcnow().isoformat(), "raw": raw or {}}, message_id=msg.id)
    return msg


def flag_stale_claims() -> int:
    """Messages claimed long ago and never answered: 'incerto' (a person decides)."""
    with unit_of_work() as s:
        rows = list(s.scalars(select(Message).where(Message.status == "enviando",
                                                    Message.claimed_at < utcnow() - STALE_CLAIM)
                              .with_for_update(skip_locked=True)))
        for m in rows:
            m.status = "incerto"
            m.last_error = "envio interrompido: confirme com o provedor antes de reenviar"
        return len(rows)


def receipts(message_id: int) -> list[Receipt]:
    return list(session.scalars(select(Receipt).where(Receipt.message_id == message_id)
                                .order_by(Receipt.id)))
