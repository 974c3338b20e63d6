"""Background jobs of incidents (plain functions taking ids, run by core.tasks.enqueue / BEAT)."""

from __future__ import annotations

from typing import Any

from core.web import settings
from incidents.services import delivery, evidence, oncall


def dispatch_notice(notice_id: int) -> int:
    """Send the due messages of one notice."""
    return delivery.dispatch(notice_id)


def dispatch_pending(**_: Any) -> dict[str, int]:
    """Periodic: retries whose backoff has passed, and claims left behind by a dead worker."""
    return {"sent": delivery.dispatch(max_messages=2000), "stale": delivery.flag_stale_claims()}


def timestamp_closed(**_: Any) -> int:
    """Periodic: RFC 3161 timestamps of closed incidents' evidence heads, when a TSA is set."""
    url = settings().tsa_url
    return evidence.stamp_pending(url) if url else 0


def escalate_pages(**_: Any) -> int:
    """Periodic: call the next person on call where a page went unacknowledged too long."""
    return len(oncall.escalate_due())
