"""LIMS models: the monthly closing (per month and level: sistema / plano / reservatorio)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin


class ClosingLevel(enum.StrEnum):
    SYSTEM = "sistema"
    PLAN = "plano"
    RESERVOIR = "reservatorio"


class ClosingState(enum.StrEnum):
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
    report: Mapped[dict[str, Any]]  # the pre-closing report as closed (rows per parameter)
