"""Handlers of other areas' events (wired in saae/wiring.py). Idempotent: the outbox delivers
at least once. They read the event's fields only, so lims never imports telemetry."""

from __future__ import annotations

from typing import Any

from lims import api


def on_eta_stoppage_started(event: Any) -> None:
    """telemetry.events.EtaStoppageStarted -> an ETA stoppage (same source_ref = same row)."""
    ref = event.source_ref or f"{event.eta_code}@{event.started_at.isoformat()}"
    api.register_eta_stoppage(event.eta_code, event.started_at, reason=event.reason,
                              source_ref=ref)


def on_eta_stoppage_ended(event: Any) -> None:
    """telemetry.events.EtaStoppageEnded -> close the open stoppage of that ETA."""
    api.end_eta_stoppage(event.eta_code, event.ended_at, source_ref=event.source_ref)
