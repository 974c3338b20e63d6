"""LIMS models: collection routes (a collector's ordered stops for a day), the preparation
form rows printed with them, and the collectors' synced field entries (idempotent)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow


class RouteState(enum.StrEnum):
    PLANNED = "planejada"  # built, labels and sheet printed
    IN_FIELD = "em_campo"  # the first entry arrived from the collector
    COMPLETED = "concluida"  # every stop has an outcome
    CANCELLED = "cancelada"


ROUTE_STATE_LABELS = {"planejada": "Planejada", "em_campo": "Em campo",
                      "concluida": "Concluída", "cancelada": "Cancelada"}


class StopOutcome(enum.StrEnum):
    COLLECTED = "coletada"
    NOT_COLLECTED = "nao_coletada"


class Route(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_route"

    code: Mapped[str] = mapped_column(String(40), unique=True)  # "R20261203-01"
    day: Mapped[dt.date] = mapped_column(index=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    analysis_responsible_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    system_id: Mapped[int | None] = mapped_column(ForeignKey("lims_supply_system.id"))
    area: Mapped[str] = mapped_column(String(300), default="")  # neighbourhoods, in order
    state: Mapped[str] = mapped_column(String(20), default=RouteState.PLANNED)
    distance_km: Mapped[float] = mapped_column(default=0.0)  # straight-line, stop to stop
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route", order_by="RouteStop.position", cascade="all, delete-orphan")
    preparation: Mapped[list[PreparationRow]] = relationship(
        back_populates="route", order_by="PreparationRow.position", cascade="all, delete-orphan")

    @property
    def state_label(self) -> str:
        return ROUTE_STATE_LABELS.get(self.state, self.state)


class RouteStop(Audited, IdMixin, Base):
    """One sample to collect, in visiting order. Several samples of the same point are
    consecutive stops at distance 0."""

    __tablename__ = "lims_route_stop"
    __table_args__ = (UniqueConstraint("route_id", "sample_id"),)

    route_id: Mapped[int] = mapped_column(ForeignKey("lims_route.id"), index=True)
    position: Mapped[int]
    sample_id: Mapped[int] = mapped_column(ForeignKey("lims_sample.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"))
    area: Mapped[str] = mapped_column(String(120), default="")
    leg_km: Mapped[float | None]  # from the previous stop (None: first stop, or no coordinates)
    outcome: Mapped[str | None] = mapped_column(String(20))  # StopOutcome
    outcome_at: Mapped[dt.datetime | None]

    route: Mapped[Route] = relationship(back_populates="stops")
    sample: Mapped[Any] = relationship("Sample", lazy="joined")
    point: Mapped[Any] = relationship("CollectionPoint", lazy="joined")


class PreparationRow(Audited, IdMixin, Base):
    """A row of the collection preparation form (tender 7.12): for one sample, the bottles of
    one type with their preservative, the parameters they serve and their methods."""

    __tablename__ = "lims_route_preparation"

    route_id: Mapped[int] = mapped_column(ForeignKey("lims_route.id"), index=True)
    position: Mapped[int]
    sample_id: Mapped[int] = mapped_column(ForeignKey("lims_sample.id"))
    point_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"))
    scheduled_for: Mapped[dt.date]
    collection_responsible: Mapped[str] = mapped_column(String(200))
    analysis_responsible: Mapped[str] = mapped_column(String(200), default="")
    parameters: Mapped[str] = mapped_column(Text)  # "Cloro residual livre, Turbidez"
    methods: Mapped[str] = mapped_column(Text, default="")
    bottle_type: Mapped[str] = mapped_column(String(120), default="")
    preservative: Mapped[str] = mapped_column(String(120), default="")
    volume_ml: Mapped[int | None]
    bottles: Mapped[int] = mapped_column(default=1)

    route: Mapped[Route] = relationship(back_populates="preparation")


class FieldEntry(IdMixin, Base):
    """A collector's entry as the phone sent it, keyed by the phone's idempotency key: a replay
    of the same key returns `response` (the first answer) and changes nothing. Append-only; the
    sample changes it caused are in the sample's audit history."""

    __tablename__ = "lims_route_entry"
    __table_args__ = (UniqueConstraint("idempotency_key"),)

    idempotency_key: Mapped[str] = mapped_column(String(80))
    payload_hash: Mapped[str] = mapped_column(String(64))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("lims_route.id"), index=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("lims_sample.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    kind: Mapped[str] = mapped_column(String(20))  # StopOutcome
    accepted: Mapped[bool]
    status: Mapped[int]  # the HTTP-like status of the first answer
    response: Mapped[dict[str, Any]]
    device_at: Mapped[dt.datetime | None]  # when the collector saved it on the phone
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    replays: Mapped[int] = mapped_column(default=0)
