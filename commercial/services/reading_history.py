"""The readings before a month: the latest one of each connection, the six-month history
(bulk, for a batch or an import file), and which connections have the month already billed."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from commercial.models import (
    Invoice,
    InvoiceState,
    Reading,
)
from core import fmt
from core.db import session


def previous_readings(connection_ids: list[int], year: int, month: int) -> dict[int, Reading]:
    """The latest reading before (year, month) of each connection."""
    if not connection_ids:
        return {}
    s = session()
    out: dict[int, Reading] = {}
    for i in range(0, len(connection_ids), 5000):
        chunk = connection_ids[i:i + 5000]
        rows = s.scalars(select(Reading).where(
            Reading.connection_id.in_(chunk),
            tuple_(Reading.year, Reading.month) < tuple_(year, month))
            .order_by(Reading.connection_id, Reading.year, Reading.month))
        for r in rows:
            out[r.connection_id] = r  # ordered: the last one wins
    return out


def histories(connection_ids: list[int], year: int, month: int,
              months: int = 6) -> dict[int, list[tuple[int, int, int, str]]]:
    """{connection: [(year, month, consumption, kind)]} of the `months` months up to and
    including (year, month), oldest first."""
    if not connection_ids:
        return {}
    y0, m0 = fmt.month_add(year, month, -(months - 1))
    s = session()
    out: dict[int, list[tuple[int, int, int, str]]] = {c: [] for c in connection_ids}
    for i in range(0, len(connection_ids), 5000):
        chunk = connection_ids[i:i + 5000]
        rows = s.execute(select(Reading.connection_id, Reading.year, Reading.month,
                                Reading.consumption, Reading.kind).where(
            Reading.connection_id.in_(chunk),
            tuple_(Reading.year, Reading.month) >= tuple_(y0, m0),
            tuple_(Reading.year, Reading.month) <= tuple_(year, month))
            .order_by(Reading.connection_id, Reading.year, Reading.month))
        for cid, y, m, c, k in rows:
            out[cid].append((y, m, c, k))
    return out


def history(connection_id: int, year: int, month: int, months: int = 6) -> list[tuple[int, int, int, str]]:
    return histories([connection_id], year, month, months)[connection_id]


def billed_connections(connection_ids: list[int], year: int, month: int) -> set[int]:
    if not connection_ids:
        return set()
    return set(session().scalars(select(Invoice.connection_id).where(
        Invoice.connection_id.in_(connection_ids), Invoice.year == year, Invoice.month == month,
        Invoice.state != InvoiceState.CANCELLED.value)))
