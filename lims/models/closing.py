"""LIMS models: the monthly closing (per month and level: sistema / plano / reservatorio)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin


class ClosingLevel(enum.StrEnum):
    """What a month is closed for: the whole system, or one plan or reservoir (`scope_id`),
    which locks only the points of its scope (`lims.services.month_lock`)."""

    SYSTEM = "sistema"
    PLAN = "plano"
    RESERVOIR = "reservatorio"


class ClosingState(enum.StrEnum):
    """A closed month locks its lab data until a Gestor reopens it with a justification."""

    CLOSED = "fechado"
    REOPENED = "reaberto"


class MonthClosing(Audited, IdMixin, TimestampMixin, Base):
    """A closed (locked) month of one scope, with the report it was closed on."""

    __tablename__ = "lims_month_closing"
    __table_args__ = (UniqueConstraint("year", "month", "level", "scope_id"),)

    year: Mapped[int]
    month: Mapped[int]
    level: Mapped[ClosingLevel] = mapped_column(String(20))
    scope_id: Mapped[int]  # system, plan or reservoir (point) id
    system_id: Mapped[int | None] = mapped_column(index=True)
    state: Mapped[ClosingState] = mapped_column(String(20), default=ClosingState.CLOSED)
    closed_at: Mapped[dt.datetime]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    reopened_at: Mapped[dt.datetime | None]
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    reopen_reason: Mapped[str | None] = mapped_column(String(2000))
    times_closed: Mapped[int] = mapped_column(default=1)
    # the pre-closing report as closed (also in lims_month_summary rows, which readers use):
    # deferred, so looking a closing up does not parse it
    report: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    scope_name: Mapped[str | None] = mapped_column(String(200))  # "Reservatorio R1", plan name
    point_ids: Mapped[list[Any] | None] = mapped_column(JSON)  # the scope's points when closed


class MonthSummary(IdMixin, Base):
    """One per-parameter row of a closed month as the Gestor saw it when closing (the read
    model every other area reads for closed months). Written once per closing; a reopening
    marks the rows `current=False` and keeps them, and the next closing writes a new
    `snapshot`. Never updated otherwise (no audit mixin: the rows themselves are history)."""

    __tablename__ = "lims_month_summary"
    __table_args__ = (
        Index("ix_lims_month_summary_lookup", "system_id", "year", "month", "level", "current"),
    )

    closing_id: Mapped[int] = mapped_column(ForeignKey("lims_month_closing.id"), index=True)
    snapshot: Mapped[int]  # the closing's times_closed when written (1, 2, ...)
    current: Mapped[bool] = mapped_column(default=True)
    system_id: Mapped[int | None]
    year: Mapped[int]
    month: Mapped[int]
    level: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[int]
    parameter_code: Mapped[str] = mapped_column(String(80))
    parameter_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(30), default="")
    where: Mapped[str] = mapped_column(String(20))  # saida | rede
    required: Mapped[int] = mapped_column(default=0)
    planned: Mapped[int] = mapped_column(default=0)
    analysed: Mapped[int] = mapped_column(default=0)
    conforming: Mapped[int] = mapped_column(default=0)
    nonconforming: Mapped[int] = mapped_column(default=0)
    field_readings: Mapped[int] = mapped_column(default=0)  # of `analysed`, typed in the field
    percent_conforming: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    mean: Mapped[Decimal | None] = mapped_column(Numeric(20, 8))
    p95: Mapped[Decimal | None] = mapped_column(Numeric(20, 8))
    verdict: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    rules_version: Mapped[str] = mapped_column(String(60), default="")
    counting_rule: Mapped[str] = mapped_column(Text, default="")
    # the whole report row (every column the pre-closing showed, whatever fields it grows)
    # and the SISAGUA form fields of this parameter and point type, as [campo, valor] pairs
    row: Mapped[dict[str, Any]]
    closed_at: Mapped[dt.datetime]
