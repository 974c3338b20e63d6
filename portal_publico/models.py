"""The virtual office's own records (issue 21 item 4): one-time sign-in codes, consumer
sessions (separate from staff sessions), alert subscriptions, the alerts sent with their proof,
and the LGPD requests. Connections and consumers are commercial's: referenced by id."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow


class AlertKind(StrEnum):
    INVOICE_ISSUED = "fatura_emitida"
    DEBIT_DATE = "data_debito"
    HIGH_USE = "consumo_alto"
    LEAK = "vazamento"


ALERT_LABELS = {
    AlertKind.INVOICE_ISSUED: "Fatura emitida",
    AlertKind.DEBIT_DATE: "Data do débito automático",
    AlertKind.HIGH_USE: "Consumo muito acima do habitual",
    AlertKind.LEAK: "Vazão contínua no hidrômetro (possível vazamento)",
}


class OfficeCode(IdMixin, Base):
    """A one-time sign-in code: only its HMAC is kept; short-lived, few attempts."""

    __tablename__ = "portal_office_code"

    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("commercial_consumer.id"))
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp | email
    recipient_masked: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[dt.datetime | None]
    # the proof of send: provider and its message id (or why it failed)
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[dt.datetime | None]
    send_error: Mapped[str | None] = mapped_column(String(500))


class OfficeSession(IdMixin, Base):
    """A consumer signed in to the virtual office (never a staff user)."""

    __tablename__ = "portal_office_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("commercial_consumer.id"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("portal_office_code.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]


class OfficeSubscription(Audited, IdMixin, TimestampMixin, Base):
    """A personalised alert the consumer asked for, on one of their channels."""

    __tablename__ = "portal_office_subscription"
    __table_args__ = (UniqueConstraint("connection_id", "kind"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("commercial_consumer.id"))
    kind: Mapped[str] = mapped_column(String(20))  # AlertKind
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp | email
    active: Mapped[bool] = mapped_column(default=True)


class OfficeAlert(IdMixin, Base):
    """One alert to send (idempotent by `ref`) and what became of it: the proof of send."""

    __tablename__ = "portal_office_alert"
    __table_args__ = (Index("ix_portal_office_alert_state", "state"),)

    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(120), unique=True)  # kind:invoice / kind:anomaly
    subscription_id: Mapped[int] = mapped_column(ForeignKey("portal_office_subscription.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="pendente")  # enviado | falhou | sem_contato
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(String(500))


class OfficeDataRequest(Audited, IdMixin, TimestampMixin, Base):
    """An LGPD request from the consumer (export of their data, a correction), kept for staff."""

    __tablename__ = "portal_office_request"

    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("commercial_consumer.id"))
    kind: Mapped[str] = mapped_column(String(12))  # exportacao | correcao
    details: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="registrado")  # atendido
    handled_at: Mapped[dt.datetime | None]
