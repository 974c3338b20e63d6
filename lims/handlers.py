"""Handlers of other areas' events (subscribed in saae/wiring.py). Idempotent: the outbox
delivers at least once. lims never imports telemetry: the events are typed by the fields
these handlers read (telemetry.events.EtaStoppageStarted / EtaStoppageEnded)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from lims import api


class EtaStopped(Protocol):
    eta_code: str
    started_at: dt.datetime
    reason: str
    source_ref: str


class EtaRestarted(Protocol):
    eta_code: str
    ended_at: dt.datetime
    source_ref: str


def on_eta_stoppage_started(event: EtaStopped) -> None:
    """An ETA stoppage (same source_ref = same row)."""
    ref = event.source_ref or f"{event.eta_code}@{event.started_at.isoformat()}"
    api.register_eta_stoppage(event.eta_code, event.started_at, reason=event.reason,
                              source_ref=ref)


def on_eta_stoppage_ended(event: EtaRestarted) -> None:
    """Close the open stoppage of that ETA."""
    api.end_eta_stoppage(event.eta_code, event.ended_at, source_ref=event.source_ref)
