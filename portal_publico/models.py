"""portal_publico models: a cache of the LIMS monthly summaries shown on the public site.

`lims.api.quality_summary` costs tens of milliseconds (plans, samples, results); the
site shows up to 24 of them on one page. The cache is the portal's own derived data (not a
record of anything: never audited), refreshed by the beat task and dropped when the LIMS
closes a month (MonthClosed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin


class SummaryCache(IdMixin, Base):
    __tablename__ = "portal_summary_cache"
    __table_args__ = (UniqueConstraint("system_id", "year", "month"),)

    system_id: Mapped[int]
    year: Mapped[int]
    month: Mapped[int]
    closed: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict[str, Any]]  # dataclasses.asdict(lims.api.QualitySummary)
    computed_at: Mapped[dt.datetime]
