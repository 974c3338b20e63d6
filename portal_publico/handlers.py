"""Events the portal reacts to (wired in saae/wiring.py). Idempotent."""

from __future__ import annotations

from typing import Any

from core.db import unit_of_work


def on_month_closed(event: Any) -> None:
    """lims MonthClosed: the month's summary changed (closed, maybe after a reopening); drop
    the cached copy so the next visit or the beat task reads the LIMS again."""
    with unit_of_work():
        from portal_publico import services

        services.invalidate(getattr(event, "system_id", None), event.year, event.month)
