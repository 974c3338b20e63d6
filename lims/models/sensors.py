"""LIMS models: the loop between online sensors and the lab (issue 18 section 3).

A collection point is linked to the telemetry tags measuring the same water (one tag per
quantity); each validated result at a linked point keeps the online value at its collection
time beside it (`SensorPair`); `SensorRule` says, per quantity, how far sensor and lab may
differ and over how many pairs (editable data, Gestor, audited); `SampleRequest` records why
an extra sample exists (an incident asked for it) so its validation is announced once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow

# what an online analyser measures (telemetry's Quantity values) -> the lab's parameter code
QUANTITY_PARAMETERS = {"cloro": "cloro_residual_livre", "turbidez": "turbidez", "ph": "ph",
                       "condutividade": "condutividade"}
QUANTITY_LABELS = {"cloro": "Cloro residual livre", "turbidez": "Turbidez", "ph": "pH",
                   "condutividade": "Condutividade"}


class PointTag(Audited, IdMixin, TimestampMixin, Base):
    """The telemetry tag (by name) measuring `quantity` at a collection point."""

    __tablename__ = "lims_point_tag"
    __table_args__ = (UniqueConstraint("point_id", "quantity"),)

    point_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"), index=True)
    quantity: Mapped[str] = mapped_column(String(20))  # cloro | turbidez | ph | condutividade
    tag: Mapped[str] = mapped_column(String(80), index=True)
    parameter_code: Mapped[str] = mapped_column(String(80))


class SensorRule(Audited, IdMixin, TimestampMixin, Base):
    """A persistent sensor-lab difference: more than `tolerance` (the parameter's unit), the
    same sign, in each of the last `pairs` pairs of one tag."""

    __tablename__ = "lims_sensor_rule"

    quantity: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parameter_code: Mapped[str] = mapped_column(String(80))
    tolerance: Mapped[float] = mapped_column(Float)
    pairs: Mapped[int] = mapped_column(default=5)
    source: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)


class SensorPair(Audited, IdMixin, Base):
    """A validated lab (or field) result and the online reading of the same water."""

    __tablename__ = "lims_sensor_pair"

    result_id: Mapped[int] = mapped_column(ForeignKey("lims_result.id"), unique=True)
    point_id: Mapped[int] = mapped_column(index=True)
    tag: Mapped[str] = mapped_column(String(80), index=True)
    parameter_code: Mapped[str] = mapped_column(String(80))
    collected_at: Mapped[dt.datetime]
    lab_value: Mapped[float | None] = mapped_column(Float)  # None: "< LD" and the like
    online_value: Mapped[float | None] = mapped_column(Float)  # None: no reading near then
    online_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SampleRequest(Audited, IdMixin, Base):
    """An extra sample another area asked for (`ref`, e.g. "incidente:12")."""

    __tablename__ = "lims_sample_request"

    sample_id: Mapped[int] = mapped_column(ForeignKey("lims_sample.id"), unique=True)
    ref: Mapped[str] = mapped_column(String(80), index=True)
    role: Mapped[str] = mapped_column(String(20))  # mesmo_ponto | jusante
    reason: Mapped[str] = mapped_column(String(500), default="")
    announced: Mapped[bool] = mapped_column(default=False)  # its validation was published
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
