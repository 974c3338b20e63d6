"""Payments (issue 21, part 3): the banks' return files kept as received, every line's outcome,
the payments and returned direct debits they record, and the instalments of payment plans.

An invoice is paid when a `Payment` row exists for it (`Invoice.state`/`paid_at` follow, audited);
its direct debit was returned when a `DebitReturn` row exists. The invoice messages count
unpaid invoices and returned debits from these rows (commercial.services.payment_facts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commercial.domain.return_outcomes import APPLIED, LineOutcome  # noqa: F401  re-exported
from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum

# the return files find invoices by their barcode (25,000 lines in one query); the table is
# taken from the metadata, which commercial.models filled before importing this module (an
# import of commercial.models here would be a cycle)
Index("ix_commercial_invoice_barcode", Base.metadata.tables["commercial_invoice"].c.barcode)


class ReturnKind(LabelledStrEnum):
    COLLECTION = "arrecadacao", "Arrecadação (código de barras)"
    DIRECT_DEBIT = "debito_automatico", "Débito automático"


class PaymentSource(StrEnum):
    COLLECTION = "arrecadacao"
    DIRECT_DEBIT = "debito_automatico"
    MANUAL = "manual"


class ReturnFile(Audited, IdMixin, TimestampMixin, Base):
    """One bank return file, kept byte for byte with its hash, who imported it and when."""

    __tablename__ = "commercial_return_file"
    __audit_exclude__ = frozenset({"content", "updated_at"})
    __table_args__ = (UniqueConstraint("kind", "bank_code", "agreement", "sequence"),)

    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    bank_code: Mapped[str] = mapped_column(String(3))
    bank_name: Mapped[str] = mapped_column(String(20), default="")
    agreement: Mapped[str] = mapped_column(String(20), default="")
    sequence: Mapped[int]  # NSA, numbered by the bank
    generated_on: Mapped[dt.date] = mapped_column(Date)
    layout_version: Mapped[str] = mapped_column(String(2))
    lines: Mapped[int] = mapped_column(default=0)  # detail records
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    applied_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {outcome: lines}
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    username: Mapped[str | None] = mapped_column(String(120))


class ReturnLine(IdMixin, Base):
    """The outcome of one detail record, written once with its file (never changed)."""

    __tablename__ = "commercial_return_line"
    __table_args__ = (UniqueConstraint("file_id", "line_no"),
                      Index("ix_commercial_return_line_outcome", "file_id", "outcome"))

    file_id: Mapped[int] = mapped_column(ForeignKey("commercial_return_file.id"))
    line_no: Mapped[int]
    record: Mapped[str] = mapped_column(String(1))  # G | F
    barcode: Mapped[str | None] = mapped_column(String(44))
    reference: Mapped[str | None] = mapped_column(String(60))  # F: client id / company use
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_invoice.id"), index=True)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    credited_on: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal]
    expected: Mapped[Decimal | None]  # the invoice's total, when found
    return_code: Mapped[str | None] = mapped_column(String(2))
    outcome: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(300), default="")


class Payment(Audited, IdMixin, TimestampMixin, Base):
    """What settled an invoice: a collection line, an effected debit, or a manual entry."""

    __tablename__ = "commercial_payment"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("commercial_invoice.id"), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_return_line.id"))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    credited_on: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


class DebitReturn(Audited, IdMixin, TimestampMixin, Base):
    """A direct debit the bank did not effect (record F with a refusal code)."""

    __tablename__ = "commercial_debit_return"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("commercial_invoice.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("commercial_return_line.id"))
    returned_on: Mapped[dt.date] = mapped_column(Date)
    return_code: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(120))


class PlanInstalment(Audited, IdMixin, TimestampMixin, Base):
    """One instalment of a payment plan: billed on an invoice through a service charge, paid
    when that invoice is paid."""

    __tablename__ = "commercial_plan_instalment"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("commercial_payment_plan.id"), index=True)
    number: Mapped[int]
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal]
    service_charge_id: Mapped[int | None] = mapped_column(
        ForeignKey("commercial_service_charge.id"), index=True)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
