"""On-call teams, their schedule, and the pages that call a person about an incident."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow

TEAM_LABELS = {"operacao": "Operação (CCO)", "laboratorio": "Laboratório", "campo": "Campo"}


class OnCallTeam(Audited, IdMixin, TimestampMixin, Base):
    """A team with an on-call rota (operacao, laboratorio, campo) and its supervisor, who is
    called when nobody on the rota acknowledges within `escalation_minutes` each."""

    __tablename__ = "incidents_oncall_team"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    escalation_minutes: Mapped[int] = mapped_column(default=10)
    supervisor_name: Mapped[str] = mapped_column(String(200), default="")
    supervisor_channel: Mapped[str] = mapped_column(String(10), default="whatsapp")
    supervisor_contact: Mapped[str] = mapped_column(String(200), default="")  # phone or e-mail
    active: Mapped[bool] = mapped_column(default=True)


class OnCallShift(Audited, IdMixin, TimestampMixin, Base):
    """One person on call for a team between two instants, at a position in the order of
    calling (1 = called first)."""

    __tablename__ = "incidents_oncall_shift"
    __table_args__ = (Index("ix_incidents_oncall_shift_team", "team_id", "starts_at"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("incidents_oncall_team.id"))
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10), default="whatsapp")  # whatsapp | sms | email
    contact: Mapped[str] = mapped_column(String(200))  # E.164 phone, or e-mail
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(120), default="sistema")


class Page(Audited, IdMixin, Base):
    """One call of one person about one incident. `step` counts the calls of the incident
    (1 = first person on the rota); `role` is plantao or supervisor. The page waits for an
    acknowledgement until `due_at`; then the next step is called and this one is marked
    escalada. `code` is what the person may reply to acknowledge (or just "OK")."""

    __tablename__ = "incidents_page"
    __table_args__ = (Index("ix_incidents_page_waiting", "state", "due_at"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents_incident.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("incidents_oncall_team.id"))
    step: Mapped[int]
    role: Mapped[str] = mapped_column(String(12), default="plantao")  # plantao | supervisor
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(8))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_message.id"))
    # aguardando | reconhecido | escalado | sem_resposta | encerrado
    state: Mapped[str] = mapped_column(String(14), default="aguardando")
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_at: Mapped[dt.datetime]
    acked_at: Mapped[dt.datetime | None]
    acked_by: Mapped[str | None] = mapped_column(String(200))
    ack_via: Mapped[str | None] = mapped_column(String(20))  # pagina | resposta
