"""Events commercial publishes (in the transaction that issues the invoices or registers the
payment; subscribers are wired in saae/wiring.py). Nobody subscribes yet: they are the
contract for what other areas may react to (an ombudsman's portal, a cut-notice workflow)
without reading commercial's tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.events import Event


@dataclass(frozen=True)
class InvoiceBatchIssued(Event):
    """The invoices of a billing group's batch were issued (one event per batch, not one per
    invoice: a batch holds up to 25,000 and they are all in its one transaction)."""

    batch_id: int
    billing_group: int  # the group's number
    year: int
    month: int
    invoices: int
    skipped: int
    due_date: dt.date


@dataclass(frozen=True)
class PaymentRegistered(Event):
    """An invoice was paid (the collection's return file or a person's entry)."""

    invoice_id: int
    number: str
    connection_id: int
    amount: Decimal
    paid_on: dt.date


@dataclass(frozen=True)
class ReturnFileImported(Event):
    """A bank return file was imported (one event per file, not per line: a file holds up
    to 25,000 payments, all in its one transaction); `counts` is {outcome: lines}."""

    file_id: int
    kind: str  # arrecadacao | debito_automatico
    lines: int
    counts: dict[str, int]
    applied_amount: Decimal
