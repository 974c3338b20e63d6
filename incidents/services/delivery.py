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
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, update

from core import jobs
from core.db import ids_in, session, transactional, unit_of_work, utcnow
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
    (SQLite: the demo's beat and a notice's own job both dispatching the same messages).
    One SELECT and one UPDATE for the whole batch."""
    now = utcnow()
    due = Message.status.in_(("pendente", "nova_tentativa"))
    with unit_of_work() as s:
        stmt = (select(Message.id).where(due, (Message.next_attempt_at.is_(None))
                                         | (Message.next_attempt_at <= now))
                .order_by(Message.id).limit(batch).with_for_update(skip_locked=True))
        if notice_id is not None:
            stmt = stmt.where(Message.notice_id == notice_id)
        ids = list(s.scalars(stmt))
        if not ids:
            return []
        t = Message.__table__
        claimed = s.scalars(update(t).where(ids_in(t.c.id, ids), t.c.status.in_(
            ("pendente", "nova_tentativa"))).values(status="enviando", claimed_at=now,
                                                    attempts=t.c.attempts + 1)
                            .returning(t.c.id))
        return sorted(claimed)


# messages per batch: a sender that dies leaves its batch 'enviando'. When every configured
# provider can say what it did with a key (`lookup`), the batch is settled on resume without a
# second send, so it may be large; otherwise its messages become 'incerto' (a person checks),
# so it stays small.
BATCH_SETTLED_BY_LOOKUP = 500
BATCH = 100


def dispatch(notice_id: int | None = None, *, batch: int | None = None,
             max_messages: int | None = None) -> int:
    """Send what is due (of one notice, or all); returns how many sends were attempted.
    Per batch: one claim (committed before any send), the sends (in one call where the
    provider takes many), one transaction recording them with one evidence-chain append per
    incident."""
    configured = channels_for(settings())
    if batch is None:
        batch = (BATCH_SETTLED_BY_LOOKUP if configured and all(
            hasattr(c, "lookup") for c in configured.values()) else BATCH)
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
        results = send_batch(ids, configured)
        # one transaction per batch: a crash before it leaves the batch 'enviando' (never
        # resent blindly: settle_orphans asks the provider what it did with each key)
        record_sends(results)
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
    confirmed: list[tuple[int, SendResult]] = []
    with unit_of_work() as s:
        for msg in s.scalars(select(Message).where(Message.notice_id == notice_id,
                                                   Message.status.in_(("enviando", "incerto")))
                             .order_by(Message.id).with_for_update(skip_locked=True)):
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
                confirmed.append((msg.id, found))
                out["confirmados"] += 1
            else:
                msg.status = "pendente"
                msg.attempts = max(0, msg.attempts - 1)
                out["reenfileirados"] += 1
        record_sends(confirmed)
    log.info("notice %s: orphan messages settled %s", notice_id, out)
    return out


def send_batch(ids: list[int], configured: dict[str, Any]) -> list[tuple[int, SendResult]]:
    """Hand the claimed messages to their providers (grouped by channel; one call for the
    group where the provider takes many), in claim order."""
    msgs = list(session.scalars(select(Message).where(ids_in(Message.id, ids))
                                .order_by(Message.id).execution_options(populate_existing=True)))
    tpl_cache: dict[int, str] = {}
    by_channel: dict[str, list[tuple[int, Outgoing]]] = defaultdict(list)
    for msg in msgs:
        by_channel[msg.channel].append((msg.id, _outgoing(msg, tpl_cache)))
    results: dict[int, SendResult] = {}
    for name, items in by_channel.items():
        sent = _send_with(configured.get(name), name, [o for _, o in items])
        results.update(zip([mid for mid, _ in items], sent, strict=True))
    return [(mid, results[mid]) for mid in ids if mid in results]


def _outgoing(msg: Message, tpl_cache: dict[int, str]) -> Outgoing:
    tpl_name = ""
    if msg.notice_id:
        if msg.notice_id not in tpl_cache:
            notice = session.get(Notice, msg.notice_id)
            tpl_cache[msg.notice_id] = template(notice.template_code).whatsapp_template if notice else ""
        tpl_name = tpl_cache[msg.notice_id]
    return Outgoing(key=msg.key, channel=msg.channel, recipient=msg.recipient, content=msg.content,
                    subject=msg.subject, name=msg.name, template=tpl_name,
                    template_params=(msg.content,) if tpl_name else ())


def _failed(channel: Any, exc: Exception) -> SendResult:
    return SendResult(False, getattr(channel, "provider", "?"), retryable=True,
                      error=f"{type(exc).__name__}: {exc}"[:500], status="falhou")


def _send_with(channel: Any, name: str, outs: list[Outgoing]) -> list[SendResult]:
    if channel is None:
        return [SendResult(False, "nenhum", error=f"canal {name} não configurado") for _ in outs]
    many = getattr(channel, "send_many", None)
    if many is not None:
        try:
            return list(many(outs))
        except Exception as exc:  # a provider bug must not leave the messages claimed forever
            log.exception("send_many %s (%s messages)", name, len(outs))
            return [_failed(channel, exc) for _ in outs]
    out = []
    for o in outs:
        try:
            out.append(channel.send(o))
        except Exception as exc:  # a provider bug must not leave the message claimed forever
            log.exception("send %s", o.key)
            out.append(_failed(channel, exc))
    return out


def _apply(msg: Message, result: SendResult, now: dt.datetime, s: Any) -> str:
    """What one provider answer does to its message (and its receipt); the evidence kind."""
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
        return "mensagem"
    if result.retryable and msg.attempts < s.incidents_max_attempts:
        msg.status = "nova_tentativa"
        msg.next_attempt_at = now + dt.timedelta(
            seconds=domain.backoff_seconds(msg.attempts, s.incidents_retry_base_seconds))
        msg.last_error = result.error
        return "tentativa_falhou"
    msg.status = "falhou"
    msg.failed_at = now
    msg.last_error = result.error
    return "mensagem_falhou"


def _sent_payload(msg: Message, result: SendResult, now: dt.datetime) -> dict[str, Any]:
    return {"message_id": msg.id, "key": msg.key, "channel": msg.channel,
            "recipient": msg.recipient, "name": msg.name, "subject": msg.subject,
            "content": msg.content, "content_sha256": msg.content_sha256,
            "created_at": msg.created_at.isoformat(), "attempt": msg.attempts,
            "at": now.isoformat(), "provider": result.provider,
            "provider_message_id": result.provider_message_id,
            "provider_answer": result.answer, "error": result.error}


TIMELINE = {"mensagem": "Mensagem enviada", "tentativa_falhou": "Falha no envio (nova tentativa)",
            "mensagem_falhou": "Falha no envio"}


@transactional
def record_sends(results: list[tuple[int, SendResult]]) -> list[Message]:
    """Record what the providers answered for a batch of messages in one transaction: the
    messages, one receipt each, and ONE append per incident to its evidence chain holding one
    link per message (its own seq and hash: each message verifies on its own)."""
    if not results:
        return []
    msgs = {m.id: m for m in session.scalars(
        select(Message).where(ids_in(Message.id, [mid for mid, _ in results]))
        .execution_options(populate_existing=True))}
    now, s = utcnow(), settings()
    links: dict[int, list[tuple[str, dict[str, Any], int | None]]] = defaultdict(list)
    kinds = []
    for mid, result in results:
        msg = msgs[mid]
        kind = _apply(msg, result, now, s)
        kinds.append((msg, kind))
        links[msg.incident_id].append((kind, _sent_payload(msg, result, now), msg.id))
    session.flush()
    for incident_id, items in links.items():
        evidence.append_many(incident_id, items)
    small: dict[int, bool] = {}
    for msg, kind in kinds:
        if msg.notice_id and msg.notice_id not in small:
            small[msg.notice_id] = _small_notice(msg.notice_id)
        if not msg.notice_id or small[msg.notice_id]:
            inc_svc.timeline(msg.incident_id, "mensagem",
                             f"{TIMELINE[kind]} por {msg.channel} para {msg.name}",
                             {"message_id": msg.id})
    return [msgs[mid] for mid, _ in results]


@transactional
def record_send(message_id: int, result: SendResult) -> Message:
    return record_sends([(message_id, result)])[0]


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
