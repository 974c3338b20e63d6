"""Telling people: notices fanned out to one message per person, sending, receipts.

- `queue_notice` writes every message of a notice in one transaction (all or nothing), each
  with a unique key (incident, notice, person, channel): running it twice adds nothing.
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

import phonenumbers
from sqlalchemy import func, insert, select, update

from core.db import session, transactional, unit_of_work, utcnow
from core.errors import NotFound
from core.events import publish
from incidents import domain
from incidents.channels import Outgoing, SendResult, channels_for
from incidents.events import NoticeQueued
from incidents.models import (
    Incident,
    Message,
    Notice,
    NoticeTemplate,
    Receipt,
    StepConfig,
    TimelineEntry,
)
from incidents.services import evidence
from incidents.services import incidents as inc_svc

log = logging.getLogger(__name__)

STALE_CLAIM = dt.timedelta(minutes=10)


def valid_mobile(*candidates: str | None) -> str | None:
    """The first candidate that is a valid Brazilian mobile number, as E.164, else None."""
    for raw in candidates:
        if not raw:
            continue
        try:
            num = phonenumbers.parse(raw, "BR")
        except phonenumbers.NumberParseException:
            continue
        if (num.country_code == 55 and phonenumbers.is_valid_number(num)
                and phonenumbers.number_type(num) in (phonenumbers.PhoneNumberType.MOBILE,
                                                      phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return None


def tracking_url(inc: Incident) -> str:
    return f"{inc_svc.settings().public_base_url.rstrip('/')}/acompanhar/{inc.public_token}"


def survey_url(inc: Incident) -> str:
    return tracking_url(inc) + "/pesquisa"


def template(code: str) -> NoticeTemplate:
    t = session.scalars(select(NoticeTemplate).where(NoticeTemplate.code == code)).first()
    if t is None:
        raise NotFound(f"Modelo de aviso {code} não cadastrado")
    return t


def _template_for(inc: Incident, purpose: str) -> str:
    if purpose == "abertura":
        return "abertura_qualidade" if inc.kind == "qualidade" else "abertura_interrupcao"
    if purpose == "restabelecimento":
        return "restabelecimento"
    return "chamado_" + purpose.removeprefix("etapa_")


def _values(inc: Incident, notice: Notice, link: str) -> dict[str, Any]:
    return {"protocolo": inc.protocol, "link": link, "motivo": notice.reason,
            "area": notice.area_description, "duracao": domain.format_duration(notice.estimated_hours),
            "medidas": notice.safety_measures, "servico": inc.title}


class _Person:
    def __init__(self, consumer_id: int | None, connection_id: int | None, matricula: str, name: str,
                 phones: tuple[str | None, ...], email: str | None, channels: tuple[str, ...],
                 consent: bool = True) -> None:
        self.consumer_id, self.connection_id, self.matricula = consumer_id, connection_id, matricula
        self.name, self.phones, self.email = name, phones, email
        self.channels, self.consent = channels, consent


def _audience(inc: Incident, purpose: str) -> list[_Person]:
    if purpose.startswith("etapa_"):
        if not (inc.requester_phone or inc.requester_email):
            return []
        return [_Person(0, None, "", inc.requester_name or "cliente", (inc.requester_phone,),
                        inc.requester_email or None, ("whatsapp", "email"))]
    from commercial.api import consumers_in_area

    return [_Person(c.consumer_id, c.connection_id, c.matricula, c.name, (c.mobile, *c.phones),
                    c.email, c.channels, c.consent)
            for c in consumers_in_area(inc_svc.area_of(inc))]


@transactional
def queue_notice(incident_id: int, purpose: str, *, created_by: str = "sistema",
                 channels_only: tuple[str, ...] = ()) -> Notice | None:
    """Write the notice and one message per reachable person; None if it already exists
    or nobody is affected. Sending starts after commit (NoticeQueued)."""
    inc = inc_svc.get(incident_id)
    existing = session.scalars(select(Notice).where(Notice.incident_id == incident_id,
                                                    Notice.purpose == purpose)).first()
    if existing is not None:
        return existing
    people = _audience(inc, purpose)
    if not people:
        return None
    tpl = template(_template_for(inc, purpose))
    notice = Notice(incident_id=inc.id, purpose=purpose, template_code=tpl.code, reason=inc.reason,
                    area_description=inc.area_description or "sua região",
                    estimated_hours=inc.estimated_hours, safety_measures=inc.safety_measures,
                    created_by=created_by)
    session.add(notice)
    session.flush()
    link = survey_url(inc) if purpose == "etapa_encerrado" else tracking_url(inc)
    values = _values(inc, notice, link)
    configured = channels_for(inc_svc.settings())
    rows: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    now = utcnow()
    skipped = 0  # consented but no usable channel
    no_consent = 0  # did not accept service messages: never contacted
    for p in people:
        if not p.consent:
            no_consent += 1
            continue
        mobile = valid_mobile(*p.phones)
        if mobile is None:
            logs.append({"incident_id": inc.id, "kind": "log", "at": now, "username": created_by,
                         "text": f"{domain.NO_PHONE}: {p.name}" + (f" (matrícula {p.matricula})"
                                                                  if p.matricula else ""),
                         "data": {"consumer_id": p.consumer_id, "notice_id": notice.id},
                         "public": False})
        usable = [c for c in domain.choose_channels(p.channels, mobile, p.email)
                  if c in configured and (not channels_only or c in channels_only)]
        if not usable:
            skipped += 1
            continue
        ch = usable[0]
        v = dict(values, nome=p.name.split(" ")[0].title() if p.name else "cliente")
        content = domain.render_template(tpl.body, v)
        rows.append({"key": domain.message_key(inc.id, purpose, p.consumer_id or 0, ch),
                     "incident_id": inc.id, "notice_id": notice.id, "consumer_id": p.consumer_id,
                     "connection_id": p.connection_id, "matricula": p.matricula, "name": p.name,
                     "channel": ch, "recipient": p.email if ch == "email" else mobile,
                     "subject": domain.render_template(tpl.subject, v), "content": content,
                     "content_sha256": domain.sha256_hex(content), "status": "pendente",
                     "attempts": 0, "created_at": now, "provider_answer": {}, "last_error": "",
                     "provider": ""})
    # several connections of one consumer: one message per person and channel
    rows = list({r["key"]: r for r in rows}.values())
    if rows:
        session.execute(insert(Message), rows)
    if logs:
        session.execute(insert(TimelineEntry), logs)
    notice.recipients = len(rows)
    notice.without_channel = skipped
    label = {"abertura": "Aviso de abertura", "restabelecimento": "Aviso de restabelecimento"}.get(
        purpose, f"Mensagem da etapa {purpose.removeprefix('etapa_')}")
    inc_svc.timeline(inc.id, "mensagem", f"{label}: {len(rows)} mensagens na fila"
                     + (f", {skipped} sem canal de contato" if skipped else "")
                     + (f", {no_consent} sem consentimento para avisos" if no_consent else ""),
                     {"notice_id": notice.id}, public=purpose.startswith("etapa_"))
    evidence.append(inc.id, "aviso", {"notice_id": notice.id, "purpose": purpose,
                                      "template": tpl.code, "template_body": tpl.body,
                                      "recipients": len(rows), "without_channel": skipped,
                                      "without_consent": no_consent,
                                      "reason": notice.reason, "area": notice.area_description,
                                      "estimated_hours": notice.estimated_hours,
                                      "safety_measures": notice.safety_measures,
                                      "at": now.isoformat()})
    publish(NoticeQueued(notice.id, inc.id, len(rows)))
    return notice


def step_enabled(step: str) -> StepConfig | None:
    cfg = session.scalars(select(StepConfig).where(StepConfig.step == step)).first()
    return cfg if cfg and cfg.send_whatsapp else None


# -- sending ---------------------------------------------------------------------------------


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
    from core import jobs

    configured = channels_for(inc_svc.settings())
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
    s = inc_svc.settings()
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


def summary(incident_id: int) -> dict[str, int]:
    rows = session.execute(select(Message.status, func.count(Message.id))
                           .where(Message.incident_id == incident_id)
                           .group_by(Message.status)).all()
    return {s: n for s, n in rows}


def messages(incident_id: int, limit: int = 500, offset: int = 0) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.incident_id == incident_id)
                                .order_by(Message.id).limit(limit).offset(offset)))


def receipts(message_id: int) -> list[Receipt]:
    return list(session.scalars(select(Receipt).where(Receipt.message_id == message_id)
                                .order_by(Receipt.id)))
