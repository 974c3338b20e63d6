"""Notices, their templates, one message per person and channel, and delivery receipts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow


class NoticeTemplate(Audited, IdMixin, TimestampMixin, Base):
    """Editable text of a notice; variables {{ nome }}, {{ protocolo }}, {{ link }}..."""

    __tablename__ = "incidents_template"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    whatsapp_template: Mapped[str] = mapped_column(String(80), default="")  # approved HSM name


class NoticePolicy(Audited, IdMixin, TimestampMixin, Base):
    """The Gestor's choices about public notices of lab results (one row)."""

    __tablename__ = "incidents_notice_policy"

    # True: an E. coli positive reaches citizens at once, without a person's confirmation
    ecoli_auto_publish: Mapped[bool] = mapped_column(default=False)


class StepConfig(Audited, IdMixin, TimestampMixin, Base):
    """Which procedure step sends a WhatsApp message (seed 003, set by a supervisor)."""

    __tablename__ = "incidents_step_config"

    step: Mapped[str] = mapped_column(String(20), unique=True)  # an IncidentState value
    send_whatsapp: Mapped[bool] = mapped_column(default=False)
    template_code: Mapped[str] = mapped_column(String(40), default="")


class Notice(IdMixin, Base):
    """One notice of an incident (opening, restoration...), sent to its affected people."""

    __tablename__ = "incidents_notice"
    __table_args__ = (UniqueConstraint("incident_id", "purpose", name="uq_incidents_notice_purpose"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents_incident.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))  # abertura | restabelecimento | chamado_<step>
    template_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500), default="")
    area_description: Mapped[str] = mapped_column(String(500), default="")
    estimated_hours: Mapped[float | None] = mapped_column(Float)
    safety_measures: Mapped[str] = mapped_column(String(1000), default="")
    recipients: Mapped[int] = mapped_column(default=0)
    without_channel: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="sistema")


class Message(IdMixin, Base):
    """One message to one person over one channel. `key` is unique: a retry or a second
    worker can never create, or send, the same message twice."""

    __tablename__ = "incidents_message"
    __table_args__ = (
        Index("ix_incidents_message_pending", "status", "next_attempt_at"),
        Index("ix_incidents_message_provider", "provider_message_id"),
    )

    key: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents_incident.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_notice.id"), index=True)
    consumer_id: Mapped[int | None]
    connection_id: Mapped[int | None]
    matricula: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(10))  # whatsapp | sms | email
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # pendente | enviando | enviado | entregue | lido | falhou | nova_tentativa
    status: Mapped[str] = mapped_column(String(20), default="pendente")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_at: Mapped[dt.datetime | None]
    provider: Mapped[str] = mapped_column(String(30), default="")
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    provider_answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    read_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]


class Receipt(IdMixin, Base):
    """Every provider answer and delivery status, as it arrived (any order)."""

    __tablename__ = "incidents_receipt"

    message_id: Mapped[int] = mapped_column(ForeignKey("incidents_message.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # enviado | entregue | lido | falhou
    provider_status: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime | None]  # the provider's own time
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LocalOutbox(IdMixin, Base):
    """What the demo provider 'sent': shown on the local outbox page instead of a phone."""

    __tablename__ = "incidents_local_outbox"

    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(64), unique=True)  # the message key
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
