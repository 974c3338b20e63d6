"""What incidents does with other areas' events and its own (subscribed in saae/wiring.py).

Thin: each handler hands its event to one service function, inside the outbox row's
transaction; the services are idempotent (the outbox delivers at least once).
"""

from __future__ import annotations

from incidents.events import IncidentOpened, IncidentStateChanged, NoticeQueued
from incidents.services import follow_up, lab_requests, quality_loop, sources
from lims.events import ExtraSampleValidated, SampleNonConformant, SensorLabDisagreed
from telemetry.events import AnomalyCleared, AnomalyDetected, EtaStoppageEnded, EtaStoppageStarted


def on_anomaly_detected(event: AnomalyDetected) -> None:
    sources.anomaly_detected(event)


def on_anomaly_cleared(event: AnomalyCleared) -> None:
    sources.anomaly_cleared(event)


def on_eta_stoppage_started(event: EtaStoppageStarted) -> None:
    sources.eta_stoppage_started(event)


def on_eta_stoppage_ended(event: EtaStoppageEnded) -> None:
    sources.eta_stoppage_ended(event)


def on_sample_non_conformant(event: SampleNonConformant) -> None:
    sources.sample_non_conformant(event)


def on_incident_opened(event: IncidentOpened) -> None:
    follow_up.after_opening(event.incident_id, notify_affected=event.notify)


def on_incident_state_changed(event: IncidentStateChanged) -> None:
    follow_up.after_state_change(event.incident_id, event.new_state)


def on_notice_queued(event: NoticeQueued) -> None:
    follow_up.start_sending(event.notice_id, event.messages)


def on_sensor_lab_disagreed(event: SensorLabDisagreed) -> None:
    quality_loop.sensor_disagreed(event)


def on_extra_sample_validated(event: ExtraSampleValidated) -> None:
    quality_loop.extra_sample_validated(event)  # an incident's samples (ref "incidente:")
    lab_requests.sample_validated(event)  # a complaint's sample (ref "solicitacao:", issue 21)
