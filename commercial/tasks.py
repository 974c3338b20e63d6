"""Background jobs of commercial (plain functions taking ids, run by core.tasks.enqueue)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def run_batch(batch_id: int) -> dict[str, Any]:
    """Compute, store and render the invoices of a batch (progress on the batch row)."""
    from commercial.services import billing

    return billing.run_batch(batch_id)


def run_due_batches() -> int:
    """Start the scheduled batches whose issue date has come (daily)."""
    from sqlalchemy import select

    from commercial.models import BatchState, InvoiceBatch
    from core.db import session
    from core.tasks import enqueue

    ids = list(session().scalars(select(InvoiceBatch.id).where(
        InvoiceBatch.state == BatchState.PENDENTE.value,
        InvoiceBatch.issue_date <= dt.date.today())))
    for bid in ids:
        enqueue("commercial.tasks.run_batch", batch_id=bid)
    return len(ids)


def send_due_notices() -> dict[str, int]:
    """SMS before issue and invoice e-mails whose time has come."""
    from commercial.services import delivery

    return delivery.send_due_notices()
