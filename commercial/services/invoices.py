"""One invoice: look-ups, its PDF and second copy, cancellation, payment, and the services to bill."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from commercial.domain.money import positive_amount
from commercial.events import PaymentRegistered
from commercial.invoice_pdf import render_invoice
from commercial.models import (
    Connection,
    Invoice,
    InvoiceState,
    ServiceCharge,
)
from commercial.models.payments import PaymentSource
from commercial.services import payment_records
from core.audit import audit_context
from core.db import get_or_404, session, transactional
from core.errors import Conflict, NotFound, ValidationError
from core.events import publish


def get_invoice(invoice_id: int) -> Invoice:
    return get_or_404(Invoice, invoice_id, "Fatura não encontrada.")


def by_number(number: str) -> Invoice:
    inv = session().scalars(select(Invoice).where(Invoice.number == number)).first()
    if inv is None:
        raise NotFound("Fatura não encontrada.")
    return inv


def invoice_pdf(invoice_id: int, *, copy: bool = False) -> bytes:
    """The invoice's PDF; a second copy is re-rendered from the frozen content, marked."""

    inv = get_invoice(invoice_id)
    if not copy and inv.pdf_path and Path(inv.pdf_path).exists():
        return Path(inv.pdf_path).read_bytes()
    return render_invoice(inv.doc, copy=copy)


@transactional
def second_copy(invoice_id: int, reason: str = "2a via solicitada") -> bytes:
    inv = get_invoice(invoice_id)
    if inv.state == InvoiceState.CANCELLED.value:
        raise Conflict("Fatura cancelada não tem 2a via.")
    with audit_context(reason=reason):
        inv.copies = (inv.copies or 0) + 1
        session().flush()
    return render_invoice(inv.doc, copy=True)


@transactional
def cancel_invoice(invoice_id: int, reason: str) -> Invoice:
    if len((reason or "").strip()) < 10:
        raise ValidationError("Informe o motivo do cancelamento (mínimo 10 caracteres).",
                              fields={"motivo": ["obrigatorio"]})
    inv = get_invoice(invoice_id)
    if inv.state != InvoiceState.ISSUED.value:
        raise Conflict(f"Fatura {inv.state} não pode ser cancelada.")
    with audit_context(reason=reason.strip()):
        inv.state = InvoiceState.CANCELLED.value
        for sc in session().scalars(select(ServiceCharge).where(ServiceCharge.invoice_id == inv.id)):
            sc.invoice_id = None  # back to "to bill"
        session().flush()
    return inv


@transactional
def mark_paid(number: str, paid_on: dt.date, reason: str = "Baixa informada pela arrecadação") -> Invoice:
    """A payment informed by hand (the API's "pagamento"): a `Payment` record like a return
    file's line, so the invoice messages count it the same way."""
    inv = by_number(number)
    if inv.state != InvoiceState.ISSUED.value or payment_records.payment_of(inv.id) is not None:
        raise Conflict(f"Fatura {inv.state}.")
    with audit_context(reason=reason):
        payment_records.settle([payment_records.Settlement(
            inv.id, PaymentSource.MANUAL.value, paid_on, inv.total)], reason)
        session().refresh(inv)
        publish(PaymentRegistered(invoice_id=inv.id, number=inv.number,
                                  connection_id=inv.connection_id, amount=inv.total,
                                  paid_on=paid_on))
    return inv


@transactional
def mark_debit_returned(number: str, day: dt.date) -> Invoice:
    """A returned direct debit informed by hand: a `DebitReturn` record (code 04)."""
    inv = by_number(number)
    reason = "Débito automático devolvido pelo banco"
    with audit_context(reason=reason):
        payment_records.record_returns([payment_records.Returned(
            inv.id, day, "04", "Informado manualmente")], reason)
        session().refresh(inv)
    return inv


@transactional
def add_service(connection_id: int, description: str, amount: Any) -> ServiceCharge:
    errors = {}
    description = " ".join((description or "").split())
    if len(description) < 3:
        errors["description"] = ["Descreva o serviço."]
    value = positive_amount(amount)
    if value is None:
        errors["amount"] = ["Valor inválido."]
    if session().get(Connection, connection_id) is None:
        raise NotFound("Ligação não encontrada.")
    if errors or value is None:
        raise ValidationError("Confira o serviço.", fields=errors)
    with audit_context(reason="Serviço a faturar"):
        sc = ServiceCharge(connection_id=connection_id, description=description[:200], amount=value)
        session().add(sc)
        session().flush()
    return sc


def invoices_of(connection_id: int, limit: int = 24) -> list[Invoice]:
    return list(session().scalars(select(Invoice).where(Invoice.connection_id == connection_id)
                                  .order_by(Invoice.year.desc(), Invoice.month.desc(), Invoice.id.desc())
                                  .limit(limit)))
