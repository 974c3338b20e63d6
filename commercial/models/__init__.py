"""Commercial models: consumers, connections (matricula), billing groups, tariff tables,
readings, invoices and their batches, message rules and consumer notices.

`system_id` is the id of the LIMS supply system as a plain integer (the LIMS owns that table;
commercial never imports its models). Every model a person changes is audited; invoices are
written in bulk by the batch (one audited batch row) and audited when changed afterwards.

This package's __init__ keeps the original models (imports stay `from commercial.models import
X`); a new feature adds its own module beside it and is imported at the end of this file so
that importing the package registers every table.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commercial.domain.text import search_key
from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin


class Situation(StrEnum):
    ACTIVE = "ativa"
    CUT_OFF = "cortada"
    REMOVED = "suprimida"


SITUATION_LABELS = {Situation.ACTIVE: "Ativa", Situation.CUT_OFF: "Cortada",
                    Situation.REMOVED: "Suprimida"}

CHANNELS = ("whatsapp", "sms", "email")
CHANNEL_LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "E-mail"}
ECONOMIA_FIELDS = ("residencial", "comercial", "industrial", "publica", "social")


def _name_key(context: Any) -> str:
    """The folded name of a row inserted without one (bulk inserts of the demo and imports)."""
    return search_key(context.get_current_parameters().get("name"))[:200]


def _trigram(name: str, column: str) -> Index:
    """An index for LIKE '%x%' on a folded column: trigram GIN on PostgreSQL (pg_trgm), a
    plain one elsewhere."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


class Consumer(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "commercial_consumer"
    __table_args__ = (_trigram("ix_commercial_consumer_search_name", "search_name"),)

    name: Mapped[str] = mapped_column(String(200))
    # the name lower-case without accents, what searches compare (kept by the services)
    search_name: Mapped[str] = mapped_column(String(200), default=_name_key, server_default="")
    document: Mapped[str | None] = mapped_column(String(14), unique=True)  # CPF/CNPJ, no mask
    document_kind: Mapped[str | None] = mapped_column(String(4))  # cpf | cnpj
    phones: Mapped[list[Any]] = mapped_column(JSON, default=list)  # as typed
    mobile: Mapped[str | None] = mapped_column(String(20))  # validated, E.164
    email: Mapped[str | None] = mapped_column(String(200))
    channels: Mapped[list[Any]] = mapped_column(JSON, default=list)  # preferred, in order
    consent: Mapped[bool] = mapped_column(default=False)  # accepts service messages
    consent_at: Mapped[dt.datetime | None]
    invoice_by_email: Mapped[bool] = mapped_column(default=False)  # fatura digital
    notes: Mapped[str | None] = mapped_column(Text)

    connections: Mapped[list[Connection]] = relationship(back_populates="consumer")


class BillingGroup(Audited, IdMixin, TimestampMixin, Base):
    """Grupo de faturamento (tender 7.5)."""

    __tablename__ = "commercial_billing_group"

    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))
    reading_day: Mapped[int] = mapped_column(default=20)
    processing_day: Mapped[int] = mapped_column(default=22)
    due_day: Mapped[int] = mapped_column(default=5)  # of the next month
    kind: Mapped[str] = mapped_column(String(20), default="normal")  # normal | especial
    bill_water: Mapped[bool] = mapped_column(default=True)
    bill_sewer: Mapped[bool] = mapped_column(default=True)
    cut_notice: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)


class Connection(Audited, IdMixin, TimestampMixin, Base):
    """Ligacao / unidade de consumo, identified by its matricula."""

    __tablename__ = "commercial_connection"
    __table_args__ = (
        Index("ix_commercial_connection_area", "situation", "sector_code"),
        Index("ix_commercial_connection_geo", "latitude", "longitude"),
        _trigram("ix_commercial_connection_search_key", "search_key"),
    )

    number: Mapped[int] = mapped_column(unique=True)  # matricula without its digit
    matricula: Mapped[str] = mapped_column(String(12), unique=True)  # with the check digit
    consumer_id: Mapped[int] = mapped_column(ForeignKey("commercial_consumer.id"), index=True)
    billing_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("commercial_billing_group.id"), index=True)
    street: Mapped[str] = mapped_column(String(160))
    house_number: Mapped[str] = mapped_column(String(20), default="S/N")
    complement: Mapped[str | None] = mapped_column(String(80))
    neighbourhood: Mapped[str] = mapped_column(String(120), index=True)
    city: Mapped[str] = mapped_column(String(120), default="")
    cep: Mapped[str | None] = mapped_column(String(9))
    search_key: Mapped[str] = mapped_column(String(400), default="")  # street + neighbourhood, folded
    system_id: Mapped[int | None] = mapped_column(index=True)  # lims supply system id
    system_code: Mapped[str | None] = mapped_column(String(40))  # to match LIMS systems later
    sector_code: Mapped[str | None] = mapped_column(String(40), index=True)  # setor / DMA
    segment_code: Mapped[str | None] = mapped_column(String(60), index=True)  # trecho de rede
    residencial: Mapped[int] = mapped_column(default=0)  # economias per category
    comercial: Mapped[int] = mapped_column(default=0)
    industrial: Mapped[int] = mapped_column(default=0)
    publica: Mapped[int] = mapped_column(default=0)
    social: Mapped[int] = mapped_column(default=0)
    tariff_type: Mapped[str] = mapped_column(String(30), default="normal")
    has_sewer: Mapped[bool] = mapped_column(default=True)
    meter_number: Mapped[str | None] = mapped_column(String(30), index=True)
    meter_diameter: Mapped[str | None] = mapped_column(String(10))  # e.g. 3/4"
    meter_telemetered: Mapped[bool] = mapped_column(default=False)
    meter_installed_on: Mapped[dt.date | None] = mapped_column(Date)
    situation: Mapped[str] = mapped_column(String(12), default=Situation.ACTIVE)
    direct_debit: Mapped[bool] = mapped_column(default=False)
    route_seq: Mapped[int] = mapped_column(default=0)  # order on the reading/delivery route
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    consumer: Mapped[Consumer] = relationship(back_populates="connections", lazy="joined")
    billing_group: Mapped[BillingGroup | None] = relationship()

    def economias(self) -> dict[str, int]:
        return {k: int(getattr(self, k) or 0) for k in ECONOMIA_FIELDS}

    @property
    def total_economias(self) -> int:
        return sum(self.economias().values())

    @property
    def address(self) -> str:
        parts = [f"{self.street}, {self.house_number}"]
        if self.complement:
            parts.append(self.complement)
        return " - ".join(parts)


class TariffTable(Audited, IdMixin, TimestampMixin, Base):
    """Tabela tarifaria with its validity; each category and type has its Tariff."""

    __tablename__ = "commercial_tariff_table"

    name: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[dt.date] = mapped_column(Date, unique=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # inclusive; None = open
    legal_basis: Mapped[str | None] = mapped_column(String(300))  # e.g. resolucao da agencia
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_tariff_table.id"))

    tariffs: Mapped[list[Tariff]] = relationship(back_populates="table", order_by="Tariff.id",
                                                 cascade="all, delete-orphan")


class Tariff(Audited, IdMixin, Base):
    __tablename__ = "commercial_tariff"
    __table_args__ = (UniqueConstraint("table_id", "category", "tariff_type"),)

    table_id: Mapped[int] = mapped_column(ForeignKey("commercial_tariff_table.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    tariff_type: Mapped[str] = mapped_column(String(30), default="normal")
    description: Mapped[str] = mapped_column(String(200), default="")
    minimum_volume: Mapped[int] = mapped_column(default=10)
    minimum_charge: Mapped[Decimal]
    sewer_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(50))

    table: Mapped[TariffTable] = relationship(back_populates="tariffs")
    bands: Mapped[list[TariffBand]] = relationship(back_populates="tariff",
                                                   order_by="TariffBand.lower",
                                                   cascade="all, delete-orphan")


class TariffBand(Audited, IdMixin, Base):
    __tablename__ = "commercial_tariff_band"

    tariff_id: Mapped[int] = mapped_column(ForeignKey("commercial_tariff.id"), index=True)
    lower: Mapped[int]
    upper: Mapped[int | None]
    price: Mapped[Decimal] = mapped_column(Numeric(12, 4))

    tariff: Mapped[Tariff] = relationship(back_populates="bands")


class ReadingImport(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "commercial_reading_import"

    billing_group_id: Mapped[int] = mapped_column(ForeignKey("commercial_billing_group.id"))
    year: Mapped[int]
    month: Mapped[int]
    file_name: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None]


class Reading(Audited, IdMixin, TimestampMixin, Base):
    """The meter reading of one connection for one reference month."""

    __tablename__ = "commercial_reading"
    __table_args__ = (UniqueConstraint("connection_id", "year", "month"),
                      Index("ix_commercial_reading_month", "year", "month"))

    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"))
    year: Mapped[int]
    month: Mapped[int]
    read_on: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[int | None]  # None when not read (billed by the average)
    previous_value: Mapped[int | None]
    previous_read_on: Mapped[dt.date | None] = mapped_column(Date)
    consumption: Mapped[int] = mapped_column(default=0)  # billed m3
    kind: Mapped[str] = mapped_column(String(12), default="real")  # real | media | minimo
    occurrence: Mapped[str | None] = mapped_column(String(60))  # anomalia de leitura
    import_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_reading_import.id"))


class BatchState(StrEnum):
    PENDING = "pendente"
    PROCESSING = "processando"
    DONE = "concluido"
    FAILED = "falhou"
    CANCELLED = "cancelado"


class InvoiceBatch(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "commercial_invoice_batch"
    __audit_exclude__ = frozenset({"done", "updated_at"})  # progress ticks are not changes

    billing_group_id: Mapped[int] = mapped_column(ForeignKey("commercial_billing_group.id"))
    year: Mapped[int]
    month: Mapped[int]
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(15), default=BatchState.PENDING)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"matricula","motivo"}]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    print_file: Mapped[str | None] = mapped_column(String(400))
    requested_by_id: Mapped[int | None]

    billing_group: Mapped[BillingGroup] = relationship()


class InvoiceState(StrEnum):
    ISSUED = "emitida"
    PAID = "paga"
    CANCELLED = "cancelada"


class Invoice(Audited, IdMixin, TimestampMixin, Base):
    """One bill. `doc` is the frozen content of the printed invoice, so a second copy is the
    same document as the original (tender 7.5)."""

    __tablename__ = "commercial_invoice"
    __audit_exclude__ = frozenset({"doc", "updated_at"})
    __table_args__ = (Index("ix_commercial_invoice_conn_month", "connection_id", "year", "month"),
                      Index("ix_commercial_invoice_batch", "batch_id", "seq"))

    number: Mapped[str] = mapped_column(String(20), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_invoice_batch.id"))
    seq: Mapped[int] = mapped_column(default=0)  # print order in the batch
    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"))
    consumer_id: Mapped[int] = mapped_column(ForeignKey("commercial_consumer.id"))
    year: Mapped[int]
    month: Mapped[int]
    issue_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    consumption: Mapped[int] = mapped_column(default=0)
    water: Mapped[Decimal]
    sewer: Mapped[Decimal]
    services: Mapped[Decimal]
    total: Mapped[Decimal]
    barcode: Mapped[str] = mapped_column(String(44))
    typed_line: Mapped[str] = mapped_column(String(48))
    pix: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=InvoiceState.ISSUED)
    paid_at: Mapped[dt.date | None] = mapped_column(Date)
    debit_returned_on: Mapped[dt.date | None] = mapped_column(Date)
    pdf_path: Mapped[str | None] = mapped_column(String(400))
    emailed_at: Mapped[dt.datetime | None]
    copies: Mapped[int] = mapped_column(default=0)  # second copies issued
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)

    connection: Mapped[Connection] = relationship()


class ServiceCharge(Audited, IdMixin, TimestampMixin, Base):
    """A service to bill on the next invoice (religacao, aferição...)."""

    __tablename__ = "commercial_service_charge"

    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal]
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_invoice.id"))
    cancelled: Mapped[bool] = mapped_column(default=False)


class PaymentPlan(Audited, IdMixin, TimestampMixin, Base):
    """An active instalment plan, as the collection system reports it (read for messages)."""

    __tablename__ = "commercial_payment_plan"

    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="Parcelamento de debitos")
    instalments: Mapped[int]
    paid_instalments: Mapped[int] = mapped_column(default=0)
    next_due: Mapped[dt.date | None] = mapped_column(Date)
    next_amount: Mapped[Decimal | None]
    active: Mapped[bool] = mapped_column(default=True)


class MessageRule(Audited, IdMixin, TimestampMixin, Base):
    """A personalised invoice message (seed 004) kept by a Gestor."""

    __tablename__ = "commercial_message_rule"

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[int] = mapped_column(default=100)
    neighbourhoods: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sector_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    threshold_percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class Parameters(Audited, IdMixin, TimestampMixin, Base):
    """Billing parameters (tender 7.5 "parâmetros de faturamento"): one row."""

    __tablename__ = "commercial_parameters"

    febraban_company: Mapped[str] = mapped_column(String(4), default="0000")
    value_id: Mapped[str] = mapped_column(String(1), default="6")  # 6 mod 10 | 8 mod 11
    pix_key: Mapped[str | None] = mapped_column(String(80))
    pix_name: Mapped[str | None] = mapped_column(String(25))
    pix_city: Mapped[str | None] = mapped_column(String(15))
    due_days_min: Mapped[int] = mapped_column(default=5)  # minimum days between issue and due
    sms_days_before: Mapped[int] = mapped_column(default=8)  # 7 to 10 (seed 004)
    quality_months_back: Mapped[int] = mapped_column(default=1)  # 0 = consumption month
    quality_more_info: Mapped[str | None] = mapped_column(String(300))
    health_guidance: Mapped[str | None] = mapped_column(Text)  # Decreto 5.440 Art. 5 I b
    source_notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # Art. 5 I d, per system id
    excess_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(30))
    min_invoice_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))


class Notice(IdMixin, TimestampMixin, Base):
    """A message to a consumer (SMS before issue, invoice e-mail) and what became of it."""

    __tablename__ = "commercial_notice"
    __table_args__ = (UniqueConstraint("kind", "ref"),
                      Index("ix_commercial_notice_due", "state", "scheduled_for"))

    kind: Mapped[str] = mapped_column(String(30))  # aviso_emissao | fatura_email
    ref: Mapped[str] = mapped_column(String(80))  # idempotency: batch:connection / invoice id
    connection_id: Mapped[int] = mapped_column(ForeignKey("commercial_connection.id"))
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp | email
    to: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(1000))
    scheduled_for: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12), default="pendente")  # enviado | falhou | sem_contato
    sent_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000))


from commercial.models import payments  # noqa: E402, F401  return files, payments, instalments
