"""Background jobs of commercial (plain functions taking ids, run by core.tasks.enqueue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from commercial.models import BatchState, InvoiceBatch
from commercial.services import batches, delivery
from core import jobs
from core.db import session


def run_batch(batch_id: int) -> dict[str, Any]:
    """Compute, store and render the invoices of a batch (progress on the batch row)."""

    return batches.run_batch(batch_id)


def run_due_batches() -> int:
    """Start the scheduled batches whose issue date has come (daily)."""


    ids = list(session().scalars(select(InvoiceBatch.id).where(
        InvoiceBatch.state == BatchState.PENDING.value,
        InvoiceBatch.issue_date <= dt.date.today())))
    started = 0
    for bid in ids:
        if jobs.latest_for(batches.batch_subject(bid)) is None:  # not twice a day
            batches.start_batch_job(bid)
            started += 1
    return started


def cancel_batch(batch_id: int) -> None:
    """Cancel hook of the batch job (core.jobs.cancel)."""

    batches.cancel_batch(batch_id)


def send_due_notices() -> dict[str, int]:
    """SMS before issue and invoice e-mails whose time has come."""

    return delivery.send_due_notices()
