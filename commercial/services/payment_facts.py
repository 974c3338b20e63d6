"""What the next invoice's messages say about money, read from the payment records: the
unpaid invoices (no `Payment` row, not cancelled, overdue at the issue date) and the returned
direct debits (a `DebitReturn` row on an invoice still unpaid). Loaded in bulk for a chunk of
connections (the batch asks for 1,000 at a time)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import exists, func, select

from commercial.models import Invoice, InvoiceState
from commercial.models.payments import DebitReturn, Payment
from core.db import session


def _unpaid() -> object:
    return ~exists().where(Payment.invoice_id == Invoice.id)


def unpaid_by_connection(conn_ids: list[int], issue: dt.date) -> dict[int, tuple[int, Decimal]]:
    """{connection id: (overdue unpaid invoices, their total)} at the issue date."""
    rows = session().execute(
        select(Invoice.connection_id, func.count(Invoice.id), func.sum(Invoice.total))
        .where(Invoice.connection_id.in_(conn_ids), Invoice.state != InvoiceState.CANCELLED.value,
               Invoice.due_date < issue, _unpaid())
        .group_by(Invoice.connection_id))
    return {cid: (int(n), Decimal(total or 0)) for cid, n, total in rows}


def returned_debits(conn_ids: list[int]) -> dict[int, dt.date]:
    """{connection id: the latest returned debit} among its invoices still unpaid."""
    rows = session().execute(
        select(Invoice.connection_id, func.max(DebitReturn.returned_on))
        .join(DebitReturn, DebitReturn.invoice_id == Invoice.id)
        .where(Invoice.connection_id.in_(conn_ids), Invoice.state != InvoiceState.CANCELLED.value,
               _unpaid())
        .group_by(Invoice.connection_id))
    return {cid: day for cid, day in rows}
