"""Event subscriptions, explicit: event type name -> handlers (no discovery).

Producers never know their consumers; this table is the only place they meet.
Handlers take the event object, run inside the outbox row's transaction and must be
idempotent (the outbox delivers at least once).
"""

from __future__ import annotations

from collections.abc import Callable

from core.events import Event

SUBSCRIPTIONS: dict[str, list[Callable[[Event], None]]] = {}


def subscribe(event_type: str, handler: Callable[[Event], None]) -> None:
    SUBSCRIPTIONS.setdefault(event_type, [])
    if handler not in SUBSCRIPTIONS[event_type]:
        SUBSCRIPTIONS[event_type].append(handler)


def load() -> dict[str, list[Callable[[Event], None]]]:
    """Fill SUBSCRIPTIONS from the areas' handlers (one line per subscription below)."""
    # --- incidents consume telemetry and lims events ---
    import incidents.handlers  # noqa: PLC0415
    subscribe("AnomalyDetected", incidents.handlers.on_anomaly_detected)
    subscribe("AnomalyCleared", incidents.handlers.on_anomaly_cleared)
    subscribe("EtaStoppageStarted", incidents.handlers.on_eta_stoppage_started)
    subscribe("EtaStoppageEnded", incidents.handlers.on_eta_stoppage_ended)
    subscribe("SampleNonConformant", incidents.handlers.on_sample_non_conformant)
    subscribe("IncidentOpened", incidents.handlers.on_incident_opened)
    subscribe("IncidentStateChanged", incidents.handlers.on_incident_state_changed)
    subscribe("NoticeQueued", incidents.handlers.on_notice_queued)
    # --- lims reacts to ETA stoppages (closed months are read from lims' stored rows) ---
    import lims.handlers  # noqa: PLC0415
    subscribe("EtaStoppageStarted", lims.handlers.on_eta_stoppage_started)
    subscribe("EtaStoppageEnded", lims.handlers.on_eta_stoppage_ended)
    return SUBSCRIPTIONS
