"""On-call paging: who is called about an incident, acknowledgement, and escalation.

- Each team (operacao, laboratorio, campo) has a rota: shifts with a time span and a
  position. When an incident opens, the team that owns it (laboratorio for lab results,
  campo for sensor faults, operacao for the rest) pages position 1 of the shifts covering
  that moment, over the person's channel (WhatsApp, SMS or e-mail: the incidents outbox
  sends it, with its retries and receipts).
- A page waits `escalation_minutes`; without acknowledgement the next position is called,
  then the team's supervisor; if the supervisor does not answer either, the incident says
  so on its timeline (`sem_resposta`).
- Acknowledgement comes from the incident page or by replying to the message ("OK" or the
  page's code). Any page of the incident acknowledged stops the escalation.
- Every call, escalation and acknowledgement goes on the incident's timeline and its
  evidence chain.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import IllegalTransition, NotFound, ValidationError
from incidents import domain
from incidents.models import Incident, Message, OnCallShift, OnCallTeam, Page
from incidents.models.oncall import TEAM_LABELS
from incidents.services import evidence
from incidents.services import incidents as inc_svc
from incidents.services.notify import valid_mobile

CHANNELS = ("whatsapp", "sms", "email")
ACK_WORDS = re.compile(r"^\s*(ok|okay|ciente|recebido|assumo|sim)\b", re.IGNORECASE)


def team_code_for(inc: Incident) -> str:
    """Which team owns the first call about an incident."""
    if inc.origin == "laboratorio":
        return "laboratorio"
    if inc.kind == "manutencao":
        return "campo"
    return "operacao"


def team(code: str) -> OnCallTeam | None:
    return session.scalars(select(OnCallTeam).where(OnCallTeam.code == code)).first()


def teams() -> list[OnCallTeam]:
    return list(session.scalars(select(OnCallTeam).order_by(OnCallTeam.code)))


def rota(team_id: int, at: dt.datetime) -> list[OnCallShift]:
    """The shifts covering `at`, in calling order."""
    return list(session.scalars(select(OnCallShift).where(
        OnCallShift.team_id == team_id, OnCallShift.starts_at <= at, OnCallShift.ends_at > at)
        .order_by(OnCallShift.position, OnCallShift.starts_at, OnCallShift.id)))


def shifts(team_id: int, since: dt.datetime) -> list[OnCallShift]:
    return list(session.scalars(select(OnCallShift).where(
        OnCallShift.team_id == team_id, OnCallShift.ends_at > since)
        .order_by(OnCallShift.starts_at, OnCallShift.position)))


def pages(incident_id: int) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.incident_id == incident_id)
                                .order_by(Page.step, Page.id)))


def _contact(channel: str, contact: str) -> str:
    contact = (contact or "").strip()
    if channel not in CHANNELS:
        raise ValidationError(f"Canal inválido: use {', '.join(CHANNELS)}.",
                              fields={"channel": ["Canal inválido."]})
    if channel == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact):
            raise ValidationError("Informe um e-mail válido.", fields={"contact": ["E-mail inválido."]})
        return contact.lower()
    mobile = valid_mobile(contact)
    if mobile is None:
        raise ValidationError("Informe um celular brasileiro válido (com DDD).",
                              fields={"contact": ["Celular inválido."]})
    return mobile


# -- configuration ----------------------------------------------------------------------------


@transactional
def save_team(code: str, *, name: str | None = None, escalation_minutes: int = 10,
              supervisor_name: str = "", supervisor_channel: str = "whatsapp",
              supervisor_contact: str = "") -> OnCallTeam:
    """Create or update a team (the escalation time and the supervisor)."""
    if code not in TEAM_LABELS:
        raise ValidationError(f"Equipe inválida: use {', '.join(TEAM_LABELS)}.")
    try:
        minutes = int(escalation_minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= 240:
        raise ValidationError("O tempo de escalonamento deve ficar entre 1 e 240 minutos.",
                              fields={"escalation_minutes": ["Entre 1 e 240 minutos."]})
    contact = _contact(supervisor_channel, supervisor_contact) if supervisor_contact else ""
    t = team(code)
    with audit_context(reason="configuração do plantão"):
        if t is None:
            t = OnCallTeam(code=code, name=name or TEAM_LABELS[code])
            session.add(t)
        t.name = name or t.name
        t.escalation_minutes = minutes
        t.supervisor_name = supervisor_name.strip()[:200]
        t.supervisor_channel = supervisor_channel
        t.supervisor_contact = contact
        session.flush()
    return t


@transactional
def add_shift(team_code: str, *, name: str, channel: str, contact: str, starts_at: dt.datetime,
              ends_at: dt.datetime, position: int = 1, created_by: str = "sistema") -> OnCallShift:
    """Put a person on the team's rota between two instants (aware datetimes)."""
    t = team(team_code)
    if t is None:
        raise NotFound(f"Equipe {team_code} não cadastrada.")
    if not name.strip():
        raise ValidationError("Informe o nome.", fields={"name": ["Obrigatório."]})
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise ValidationError("O fim do plantão deve ser depois do início.",
                              fields={"ends_at": ["Depois do início."]})
    if not 1 <= int(position) <= 20:
        raise ValidationError("A ordem de chamada vai de 1 a 20.", fields={"position": ["1 a 20."]})
    with audit_context(reason="escala de plantão"):
        s = OnCallShift(team_id=t.id, position=int(position), name=name.strip()[:200],
                        channel=channel, contact=_contact(channel, contact), starts_at=starts_at,
                        ends_at=ends_at, created_by=created_by)
        session.add(s)
        session.flush()
    return s


@transactional
def remove_shift(shift_id: int, reason: str = "") -> None:
    s = session.get(OnCallShift, shift_id)
    if s is None:
        raise NotFound(f"Plantão {shift_id} não encontrado.")
    with audit_context(reason=reason or "plantão removido da escala"):
        session.delete(s)
        session.flush()


# -- paging -----------------------------------------------------------------------------------


def _text(inc: Incident, t: OnCallTeam, code: str, role: str) -> str:
    base = inc_svc.settings().public_base_url.rstrip("/")
    who = "Supervisor" if role == "supervisor" else "Plantão"
    return (f"[{inc_svc.settings().utility_name}] {who} {t.name}: {inc.title} "
            f"({inc.protocol}), gravidade {inc.severity}. Responda OK {code} para assumir, "
            f"ou reconheça em {base}/incidentes/{inc.id}")


def _call(inc: Incident, t: OnCallTeam, step: int, role: str, name: str, channel: str,
          contact: str, now: dt.datetime) -> Page:
    code = f"{secrets.randbelow(9000) + 1000}"
    content = _text(inc, t, code, role)
    msg = Message(key=domain.message_key(inc.id, f"plantao_{step}", 0, channel),
                  incident_id=inc.id, name=name, channel=channel, recipient=contact,
                  subject=f"Plantão: {inc.protocol}" if channel == "email" else "",
                  content=content, content_sha256=domain.sha256_hex(content), status="pendente",
                  attempts=0, created_at=now, provider_answer={}, last_error="", provider="")
    session.add(msg)
    session.flush()
    page = Page(incident_id=inc.id, team_id=t.id, step=step, role=role, name=name,
                channel=channel, recipient=contact, code=code, message_id=msg.id,
                state="aguardando", sent_at=now,
                due_at=now + dt.timedelta(minutes=t.escalation_minutes))
    session.add(page)
    session.flush()
    label = "supervisor" if role == "supervisor" else f"{step}º do plantão"
    inc_svc.timeline(inc.id, "acao", f"Plantão {t.name}: chamado {name} ({label}) por {channel}",
                     {"page_id": page.id, "message_id": msg.id}, at=now)
    evidence.append(inc.id, "plantao_chamado", {
        "page_id": page.id, "team": t.code, "step": step, "role": role, "name": name,
        "channel": channel, "recipient": contact, "message_id": msg.id, "content": content,
        "content_sha256": msg.content_sha256, "due_at": page.due_at.isoformat(),
        "at": now.isoformat()}, message_id=msg.id)
    return page


@transactional
def start(incident_id: int, now: dt.datetime | None = None) -> Page | None:
    """Page the first person on call for the incident (once: None when already paged or
    when the team has nobody on call, which the timeline then says)."""
    now = now or utcnow()
    inc = inc_svc.get(incident_id)
    if pages(incident_id):
        return None
    t = team(team_code_for(inc))
    if t is None or not t.active:
        return None
    people = rota(t.id, now)
    with audit_context(reason="acionamento do plantão"):
        if people:
            p = people[0]
            return _call(inc, t, 1, "plantao", p.name, p.channel, p.contact, now)
        if t.supervisor_contact:
            inc_svc.timeline(inc.id, "log", f"Plantão {t.name}: ninguém na escala agora; "
                             "chamando o supervisor", at=now)
            return _call(inc, t, 1, "supervisor", t.supervisor_name or "Supervisor",
                         t.supervisor_channel, t.supervisor_contact, now)
        inc_svc.timeline(inc.id, "log", f"Plantão {t.name}: ninguém na escala e sem supervisor "
                         "cadastrado", at=now)
    return None


@transactional
def escalate_due(now: dt.datetime | None = None) -> list[int]:
    """Call the next step for every page whose time ran out; returns the new pages' ids."""
    now = now or utcnow()
    due = list(session.scalars(select(Page).where(Page.state == "aguardando", Page.due_at <= now)
                               .order_by(Page.due_at, Page.id).with_for_update(skip_locked=True)))
    called: list[int] = []
    for page in due:
        inc = session.get(Incident, page.incident_id)
        t = session.get(OnCallTeam, page.team_id)
        assert inc is not None and t is not None
        with audit_context(reason="escalonamento do plantão"):
            if not inc.is_open:
                page.state = "encerrado"
                continue
            page.state = "escalado" if page.role == "plantao" else "sem_resposta"
            waited = int((now - page.sent_at).total_seconds() // 60)
            evidence.append(inc.id, "plantao_sem_reconhecimento", {
                "page_id": page.id, "name": page.name, "step": page.step, "role": page.role,
                "waited_minutes": waited, "at": now.isoformat()})
            nxt = _next(page, t, now)
            if nxt is None:
                page.state = "sem_resposta"
                inc_svc.timeline(inc.id, "log", f"Plantão {t.name}: {page.name} não reconheceu em "
                                 f"{waited} min e não há mais ninguém a chamar", {"page_id": page.id},
                                 at=now)
                continue
            inc_svc.timeline(inc.id, "acao", f"Plantão {t.name}: {page.name} não reconheceu em "
                             f"{waited} min; escalando", {"page_id": page.id}, at=now)
            name, channel, contact, role = nxt
            called.append(_call(inc, t, page.step + 1, role, name, channel, contact, now).id)
    session.flush()
    return called


def _next(page: Page, t: OnCallTeam, now: dt.datetime) -> tuple[str, str, str, str] | None:
    if page.role == "supervisor":
        return None
    people = rota(t.id, now)
    if page.step < len(people):
        p = people[page.step]
        return p.name, p.channel, p.contact, "plantao"
    if t.supervisor_contact:
        return t.supervisor_name or "Supervisor", t.supervisor_channel, t.supervisor_contact, \
            "supervisor"
    return None


def _ack(page: Page, by: str, via: str, now: dt.datetime) -> Page:
    inc = session.get(Incident, page.incident_id)
    assert inc is not None
    with audit_context(reason=f"plantão reconhecido ({via})"):
        page.state = "reconhecido"
        page.acked_at = now
        page.acked_by = by[:200]
        page.ack_via = via
        for other in pages(page.incident_id):
            if other.id != page.id and other.state == "aguardando":
                other.state = "encerrado"
        session.flush()
        how = "pela página" if via == "pagina" else f"respondendo por {page.channel}"
        inc_svc.timeline(inc.id, "acao", f"Plantão reconhecido por {by} ({how})",
                         {"page_id": page.id}, at=now)
        evidence.append(inc.id, "plantao_reconhecido", {
            "page_id": page.id, "step": page.step, "name": page.name, "by": by, "via": via,
            "at": now.isoformat()})
    return page


@transactional
def acknowledge(incident_id: int, by: str, now: dt.datetime | None = None) -> Page:
    """Acknowledge from the incident page: the newest call of the incident is answered."""
    now = now or utcnow()
    rows = [p for p in pages(incident_id) if p.state in ("aguardando", "escalado", "sem_resposta")]
    if not rows:
        if any(p.state == "reconhecido" for p in pages(incident_id)):
            raise IllegalTransition("O plantão deste incidente já foi reconhecido.")
        raise IllegalTransition("Nenhum chamado de plantão aberto para este incidente.")
    return _ack(rows[-1], by, "pagina", now)


@transactional
def acknowledge_reply(sender: str, text: str, now: dt.datetime | None = None) -> Page | None:
    """A reply to a page ("OK", or the page's 4-digit code) from the number or e-mail that
    was called. A late answer from someone already escalated past still counts. None when
    the message answers no open page."""
    now = now or utcnow()
    sender = (sender or "").strip()
    if sender and sender[0].isdigit():
        sender = "+" + sender
    open_pages = list(session.scalars(select(Page).where(
        Page.recipient == sender.lower() if "@" in sender else Page.recipient == sender,
        Page.state.in_(("aguardando", "escalado", "sem_resposta"))).order_by(Page.sent_at.desc())))
    if not open_pages:
        return None
    codes = set(re.findall(r"\b(\d{4})\b", text or ""))
    chosen = next((p for p in open_pages if p.code in codes), None)
    if chosen is None and ACK_WORDS.match(text or ""):
        chosen = open_pages[0]
    if chosen is None:
        return None
    inc = session.get(Incident, chosen.incident_id)
    if inc is None or any(p.state == "reconhecido" for p in pages(chosen.incident_id)):
        return None
    return _ack(chosen, chosen.name, "resposta", now)


def view(incident_id: int) -> dict[str, Any]:
    """What the incident page shows of the paging."""
    rows = pages(incident_id)
    return {"pages": rows,
            "acked": next((p for p in rows if p.state == "reconhecido"), None),
            "can_ack": any(p.state in ("aguardando", "escalado", "sem_resposta") for p in rows)}
