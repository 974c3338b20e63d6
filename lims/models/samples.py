"""LIMS models: samples and the parameters each sample is analysed for.

The state follows lims.domain.samples (one pure state machine); every change is audited.
Scheduled samples keep `planned_for` (the date the plan gave them) even when reprogrammed, so
generating a month twice creates nothing new.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from lims.domain.samples import SampleState


class Sample(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_sample"
    __table_args__ = (
        UniqueConstraint("plan_id", "point_id", "planned_for", "slot"),
        Index("ix_lims_sample_state_day", "state", "scheduled_for"),
        Index("ix_lims_sample_system_day", "system_id", "scheduled_for"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)  # the barcode
    state: Mapped[SampleState] = mapped_column(
        Enum(SampleState, native_enum=False, length=30, values_callable=lambda e: [x.value for x in e]),
        default=SampleState.SCHEDULED)  # stored as the plain string, read back as the enum
    point_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("lims_supply_system.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("lims_sampling_plan.id"))
    section: Mapped[str | None] = mapped_column(String(20))  # rede | tratamento (plan section)
    scheduled_for: Mapped[dt.date]
    planned_for: Mapped[dt.date | None]  # the plan's date, kept through reprogramming
    slot: Mapped[int] = mapped_column(default=0)  # n-th sample of the day (every 2 h)
    is_recoleta: Mapped[bool] = mapped_column(default=False)
    origin_sample_id: Mapped[int | None] = mapped_column(ForeignKey("lims_sample.id"))
    route_id: Mapped[int | None] = mapped_column(index=True)  # lims_route (no FK: routes module)
    collected_at: Mapped[dt.datetime | None]
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    photo_path: Mapped[str | None] = mapped_column(String(400))
    field_readings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    not_collected_reason: Mapped[str | None] = mapped_column(String(1000))
    received_at: Mapped[dt.datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    arrival_temperature: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    assigned_analyst_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    assigned_lab_id: Mapped[int | None] = mapped_column(ForeignKey("lims_laboratory.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    reprogram_count: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str | None] = mapped_column(Text)

    parameters: Mapped[list[SampleParameter]] = relationship(
        back_populates="sample", order_by="SampleParameter.id", cascade="all, delete-orphan")


class SampleParameter(Audited, IdMixin, Base):
    __tablename__ = "lims_sample_parameter"
    __table_args__ = (UniqueConstraint("sample_id", "parameter_id"),)

    sample_id: Mapped[int] = mapped_column(ForeignKey("lims_sample.id"), index=True)
    parameter_id: Mapped[int] = mapped_column(ForeignKey("lims_parameter.id"))

    sample: Mapped[Sample] = relationship(back_populates="parameters")
    parameter: Mapped[Any] = relationship("Parameter", lazy="joined")
