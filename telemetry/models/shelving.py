"""Shelving (ISA-18.2): an operator silences a known-bad sensor's alarms for a set time,
with a reason. Anomalies are still recorded while shelved (the history stays whole) but
they call nobody: no AnomalyDetected leaves the monitor until the shelf expires."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, utcnow
from telemetry.models.tags import Tag


class Shelf(Audited, IdMixin, Base):
    """One shelving of one tag, from `starts_at` until `until` (or until lifted by hand)."""

    __tablename__ = "telemetry_shelf"
    __table_args__ = (Index("ix_telemetry_shelf_tag", "tag_id", "until"),)

    tag_id: Mapped[int] = mapped_column(ForeignKey("telemetry_tag.id"))
    reason: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    until: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    lifted_at: Mapped[dt.datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(120))

    tag: Mapped[Tag] = relationship(lazy="joined")

    def active_at(self, at: dt.datetime) -> bool:
        return self.lifted_at is None and self.starts_at <= at < self.until
