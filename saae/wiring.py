"""Event subscriptions, explicit: event class -> handlers, in delivery order (no discovery).

Producers never know their consumers; this table is the only place they meet. A handler
takes its own event class, runs inside the outbox row's transaction and must be idempotent
(the outbox delivers at least once). Outbox rows store the class name; `core.outbox.drain`
delivers a row to the handlers listed here for its class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commercial.events import InvoiceBatchIssued
from core.events import Event
from incidents import handlers as incidents_handlers
from incidents.events import IncidentOpened, IncidentStateChanged, NoticeQueued
from lims import handlers as lims_handlers
from lims.events import ExtraSampleValidated, MonthClosed, SampleNonConformant, SensorLabDisagreed
from portal_publico import handlers as portal_handlers
from portal_publico import office_alerts
from telemetry.events import AnomalyCleared, AnomalyDetected, EtaStoppageEnded, EtaStoppageStarted

SUBSCRIPTIONS: dict[type[Event], list[Callable[[Any], None]]] = {
    # incidents open, clear and follow up incidents from telemetry's and the lab's events
    # issue 21: a leak alert when a telemetered meter shows continuous flow
    AnomalyDetected: [incidents_handlers.on_anomaly_detected, office_alerts.on_meter_anomaly],
    AnomalyCleared: [incidents_handlers.on_anomaly_cleared],
    SampleNonConformant: [incidents_handlers.on_sample_non_conformant],
    # issue 18: the analyser the lab contradicts, the extra samples an incident asked for
    SensorLabDisagreed: [incidents_handlers.on_sensor_lab_disagreed],
    ExtraSampleValidated: [incidents_handlers.on_extra_sample_validated],
    MonthClosed: [portal_handlers.on_month_closed],
    # issue 21: the virtual office's alerts (invoice issued, debit date, high consumption)
    InvoiceBatchIssued: [office_alerts.on_invoice_batch_issued],  # the portal's summaries warmed at closing
    IncidentOpened: [incidents_handlers.on_incident_opened],
    IncidentStateChanged: [incidents_handlers.on_incident_state_changed],
    NoticeQueued: [incidents_handlers.on_notice_queued],
    # an ETA stoppage: an incident, and the lab's record of it (closed months read lims' rows)
    EtaStoppageStarted: [incidents_handlers.on_eta_stoppage_started,
                         lims_handlers.on_eta_stoppage_started],
    EtaStoppageEnded: [incidents_handlers.on_eta_stoppage_ended,
                       lims_handlers.on_eta_stoppage_ended],
}
