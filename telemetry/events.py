"""Events telemetry publishes (incidents and the LIMS subscribe through saae/wiring.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class AnomalyDetected(Event):
    """A process anomaly (or a sensor fault, kind 'comunicacao'/'travado', process=False)
    started or got worse. Published again, with the same anomaly_id, only when an ongoing
    anomaly escalates to a higher severity (telemetry.monitor never double-reports)."""

    anomaly_id: int
    tag: str
    kind: str  # limite | taxa | travado | comunicacao | vazao_noturna | cusum | ewma | qualidade | parada_eta
    severity: str  # baixa | media | alta | critica
    started_at: dt.datetime
    asset_kind: str  # eta | poco | elevatoria | reservatorio | setor | ponto
    asset_code: str
    asset_name: str
    value: float | None = None
    message: str = ""
    sector_code: str | None = None  # DMA / setor affected, when known
    latitude: float | None = None
    longitude: float | None = None
    process: bool = True  # False for sensor/communication faults


@dataclass(frozen=True)
class AnomalyCleared(Event):
    anomaly_id: int
    tag: str
    kind: str
    ended_at: dt.datetime
    asset_code: str


@dataclass(frozen=True)
class EtaStoppageStarted(Event):
    """The supervisory system shows an ETA stopped (no outlet flow)."""

    eta_code: str
    started_at: dt.datetime
    reason: str = "parada detectada pela supervisão"
    source_ref: str = ""  # anomaly id / SCADA event id


@dataclass(frozen=True)
class EtaStoppageEnded(Event):
    eta_code: str
    ended_at: dt.datetime
    source_ref: str = ""
