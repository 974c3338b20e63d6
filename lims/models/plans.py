"""LIMS models: sampling plans (one per system and year) and their items (parameter x point x
frequency, in the network or treatment section)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum


class PlanState(LabelledStrEnum):
    """Only a draft is edited; approving a version supersedes the one approved before."""

    DRAFT = "rascunho", "Rascunho"
    APPROVED = "aprovado", "Aprovado"
    SUPERSEDED = "substituido", "Substituído"


class Section(enum.StrEnum):
    """The plan's two parts: treatment (intake and plant outlet) and network (reservoirs and
    distribution); a line's section follows its point's kind unless chosen."""

    NETWORK = "rede"
    TREATMENT = "tratamento"


class SamplingPlan(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_sampling_plan"
    __table_args__ = (UniqueConstraint("system_id", "year", "version"),)

    system_id: Mapped[int] = mapped_column(ForeignKey("lims_supply_system.id"), index=True)
    year: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[PlanState] = mapped_column(
        Enum(PlanState, native_enum=False, length=20, values_callable=lambda e: [x.value for x in e]),
        default=PlanState.DRAFT)
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    below_minimum: Mapped[bool] = mapped_column(default=False)  # approved under the minimum
    justification: Mapped[str | None] = mapped_column(Text)  # the Gestor's, when below minimum
    notes: Mapped[str | None] = mapped_column(Text)
    # the generator's proposal this plan started from ([{parameter, point_id, frequency,
    # custom_count, start_month}]) and the population it was computed for
    proposal: Mapped[list[Any] | None] = mapped_column()
    proposal_population: Mapped[int | None]

    items: Mapped[list[PlanItem]] = relationship(back_populates="plan", order_by="PlanItem.id")


class PlanItem(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "parameter_id", "point_id"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("lims_sampling_plan.id"), index=True)
    section: Mapped[str] = mapped_column(String(20))  # Section
    parameter_id: Mapped[int] = mapped_column(ForeignKey("lims_parameter.id"))
    point_id: Mapped[int] = mapped_column(ForeignKey("lims_collection_point.id"))
    frequency: Mapped[str] = mapped_column(String(20))  # lims.domain.plans.Frequency
    custom_count: Mapped[int | None]  # samples a month when frequency is "custom"
    start_month: Mapped[int] = mapped_column(default=1)  # first month of periodic frequencies
    active: Mapped[bool] = mapped_column(default=True)

    plan: Mapped[SamplingPlan] = relationship(back_populates="items")
    parameter = relationship("Parameter", lazy="joined")
    point = relationship("CollectionPoint", lazy="joined")
