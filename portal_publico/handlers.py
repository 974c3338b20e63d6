"""The portal's event handlers (wired in saae/wiring.py)."""

from __future__ import annotations

from typing import Protocol

from portal_publico import services


class ClosedMonth(Protocol):
    """What the portal reads of lims.events.MonthClosed (it imports only lims.api)."""

    level: str
    system_id: int | None
    year: int
    month: int


def on_month_closed(event: ClosedMonth) -> None:
    """A month closed: drop what this process computed while the month was open (and its
    registry memo), and warm the system's year (the annual report, the monthly summaries and the 12-month trends
    read the closed month from the rows the LIMS stored: one query). Idempotent."""
    if event.level != "sistema" or event.system_id is None:
        return
    services.clear_memo()
    months = [(event.year, m) for m in range(1, 13)]
    services.summaries([s.id for s in services.systems()], months)  # as the annual report asks
    services.trends(event.system_id, until=(event.year, event.month))
