"""Telling people: notices fanned out to one message per person (sending and receipts are
`incidents.services.delivery`).

`queue_notice` writes every message of a notice in one transaction (all or nothing), each
with a unique key (incident, notice, person, channel): running it twice adds nothing.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from sqlalchemy import func, insert, select

from commercial.api import consumers_in_area
from core.db import session, transactional, utcnow
from core.errors import NotFound
from core.events import publish
from core.web import settings
from incidents import domain
from incidents.channels import channels_for
from incidents.events import NoticeQueued
from incidents.models import (
    Incident,
    Message,
    Notice,
    NoticeTemplate,
    StepConfig,
    TimelineEntry,
)
from incidents.services import evidence
from incidents.services import incidents as inc_svc


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
    return f"{settings().public_base_url.rstrip('/')}/acompanhar/{inc.public_token}"


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
    if purpose.startswith("atualizacao"):  # the alert got worse or its advice changed
        return "atualizacao_qualidade"
    return "chamado_" + purpose.removeprefix("etapa_")


def _values(inc: Incident, notice: Notice, link: str) -> dict[str, Any]:
    return {"protocolo": inc.protocol, "link": link, "motivo": notice.reason,
            "area": notice.area_description, "duracao": domain.notice_duration(notice.estimated_hours),
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
    configured = channels_for(settings())
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


def summary(incident_id: int) -> dict[str, int]:
    rows = session.execute(select(Message.status, func.count(Message.id))
                           .where(Message.incident_id == incident_id)
                           .group_by(Message.status)).all()
    return {s: n for s, n in rows}


def messages(incident_id: int, limit: int = 500, offset: int = 0) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.incident_id == incident_id)
                                .order_by(Message.id).limit(limit).offset(offset)))
