"""Events telemetry publishes (incidents and the LIMS subscribe through saae/wiring.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.events import Event

# What a tag measures (telemetry's Quantity values) when it speaks of the water itself: an
# anomaly on one of these is a quality signal (incidents opens a water-quality incident).
WATER_QUALITY_QUANTITIES = frozenset({"turbidez", "cloro", "ph", "condutividade", "redox", "cor"})


@dataclass(frozen=True)
class AnomalyEvent(Event):
    """What every event about one anomaly carries: which anomaly, on which tag, of what kind."""

    anomaly_id: int
    tag: str
    kind: str  # limite | taxa | travado | comunicacao | vazao_noturna | cusum | ewma | qualidade | parada_eta


@dataclass(frozen=True)
class AnomalyDetected(AnomalyEvent):
    """A process anomaly (or a sensor fault, kind 'comunicacao'/'travado', process=False)
    started or got worse. Published again, with the same anomaly_id, only when an ongoing
    anomaly escalates to a higher severity (telemetry.monitor never double-reports)."""

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
    # what the tag measures (pressao, vazao, turbidez...) and whether that speaks of the
    # water's quality; rows published before these fields existed read "" / False
    quantity: str = ""
    quality_signal: bool = False


@dataclass(frozen=True)
class AnomalyCleared(AnomalyEvent):
    ended_at: dt.datetime
    asset_code: str


@dataclass(frozen=True)
class EtaStoppageStarted(Event):
    """The supervisory system shows an ETA stopped (no outlet flow)."""

    eta_code: str
    started_at: dt.datetime
    reason: str = "parada detectada pela supervisão"
    source_ref: str = ""  # anomaly id / SCADA event id
    # the ETA as consumers show it (rows published before these fields existed: code only)
    eta_name: str = ""
    sector_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class EtaStoppageEnded(Event):
    eta_code: str
    ended_at: dt.datetime
    source_ref: str = ""
