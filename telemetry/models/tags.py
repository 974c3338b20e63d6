"""Telemetry models: assets, tags, connector state, embedded readings table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow
from core.enums import LabelledStrEnum


class AssetKind(LabelledStrEnum):
    INTAKE = "captacao", "Captação"
    TREATMENT_PLANT = "eta", "ETA"
    WELL = "poco", "Poço"
    PUMPING_STATION = "elevatoria", "Elevatória"
    RESERVOIR = "reservatorio", "Reservatório"
    SECTOR = "setor", "Setor / DMA"  # network sector / DMA (distrito de medicao e controle)
    POINT = "ponto", "Ponto de monitoramento"  # collection / monitoring point in the network


ASSET_KIND_LABELS = AssetKind.labels()


class Quantity(LabelledStrEnum):
    """What a tag measures; detectors and charts use it (e.g. night flow only on vazao)."""

    PRESSURE = "pressao", "Pressão"
    FLOW = "vazao", "Vazão"
    LEVEL = "nivel", "Nível"
    TURBIDITY = "turbidez", "Turbidez"
    CHLORINE = "cloro", "Cloro residual livre"
    PH = "ph", "pH"
    CONDUCTIVITY = "condutividade", "Condutividade"
    REDOX = "redox", "Potencial redox"
    TEMPERATURE = "temperatura", "Temperatura"
    STATE = "estado", "Estado (liga/desliga)"  # on/off (pump running, valve open)
    CURRENT = "corrente", "Corrente elétrica"
    OTHER = "outro", "Outro"


QUANTITY_LABELS = Quantity.labels()


class Asset(Audited, IdMixin, TimestampMixin, Base):
    """Something measured: an ETA, a well, a pumping station, a reservoir, a DMA, a point."""

    __tablename__ = "telemetry_asset"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AssetKind] = mapped_column(String(20))
    sector_code: Mapped[str | None] = mapped_column(String(40))  # setor / DMA served or located in
    system_code: Mapped[str | None] = mapped_column(String(40))  # supply system (SAA)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(default=True)

    tags: Mapped[list[Tag]] = relationship(back_populates="asset", order_by="Tag.name")

    def __repr__(self) -> str:
        return f"<Asset {self.code}>"


class Tag(Audited, IdMixin, TimestampMixin, Base):
    """A measured variable. `name` is the key used by connectors and by the store."""

    __tablename__ = "telemetry_tag"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(20), default="")
    quantity: Mapped[Quantity] = mapped_column(String(20), default=Quantity.OTHER)
    asset_id: Mapped[int] = mapped_column(ForeignKey("telemetry_asset.id"), index=True)
    expected_period_seconds: Mapped[int] = mapped_column(default=60)
    plausible_min: Mapped[float | None] = mapped_column(Float)
    plausible_max: Mapped[float | None] = mapped_column(Float)
    # {"limite": {"high": 5.0, "on_delay_s": 120, ...}, "travado": {...}, ...}: read by
    # telemetry.monitor; editable data, never constants in code.
    detectors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    # the lab keeps disagreeing with this analyser (issue 18 section 3): the monitor runs only
    # its sensor-health detectors and leaves it out of the multi-signal score until cleared
    suspect: Mapped[bool] = mapped_column(default=False)
    suspect_reason: Mapped[str] = mapped_column(String(500), default="")
    suspect_since: Mapped[dt.datetime | None]

    asset: Mapped[Asset] = relationship(back_populates="tags", lazy="joined")

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class ConnectorState(IdMixin, Base):
    """Last known state of one connector of the ingester (and of the ingester itself, kind
    'ingester'), written by the ingester every few seconds; read by the health page/API.

    Not audited: it is operational status, rewritten continuously."""

    __tablename__ = "telemetry_connector_state"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # opcua | modbus | mqtt | ingester
    state: Mapped[str] = mapped_column(String(20), default="parado")
    since: Mapped[dt.datetime | None]  # when `state` last changed
    last_reading_at: Mapped[dt.datetime | None]
    readings_total: Mapped[int] = mapped_column(default=0)
    rejected_total: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReadingRow(Base):
    """The embedded time-series store (SAAE_TIMESERIES_URL=sql): one row per reading.

    Keyed by (tag, ts) so a replayed buffer segment cannot duplicate readings."""

    __tablename__ = "telemetry_reading"
    __table_args__ = (Index("ix_telemetry_reading_ts", "ts"),)

    tag: Mapped[str] = mapped_column(String(80), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    quality: Mapped[str] = mapped_column(String(10), default="good")
