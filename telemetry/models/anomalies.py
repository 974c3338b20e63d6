"""Telemetry models: anomalies found by the detectors (telemetry.monitor records them)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from telemetry.models.tags import Tag


class AnomalyState(enum.StrEnum):
    OPEN = "aberta"
    CLEARED = "encerrada"


STATE_LABELS = {AnomalyState.OPEN: "Em curso", AnomalyState.CLEARED: "Encerrada"}
SEVERITY_LABELS = {"baixa": "Baixa", "media": "Média", "alta": "Alta", "critica": "Crítica"}


class Anomaly(Audited, IdMixin, TimestampMixin, Base):
    """One episode of one kind on one tag. At most one open anomaly per (tag, kind): the
    monitor updates it while it lasts (escalation raises `severity`) and closes it when the
    detector no longer sees it. A partial unique index enforces this in the database."""

    __tablename__ = "telemetry_anomaly"
    # the monitor touches last_seen_at every pass; auditing that would add a row a minute
    __audit_exclude__ = frozenset({"last_seen_at"})
    __table_args__ = (
        Index("uq_telemetry_anomaly_open", "tag_id", "kind", unique=True,
              postgresql_where=text("state = 'aberta'"), sqlite_where=text("state = 'aberta'")),
        Index("ix_telemetry_anomaly_started_at", "started_at"),
    )

    tag_id: Mapped[int] = mapped_column(ForeignKey("telemetry_tag.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # telemetry.detection.KINDS
    state: Mapped[AnomalyState] = mapped_column(String(12), default=AnomalyState.OPEN)
    severity: Mapped[str] = mapped_column(String(10))  # baixa | media | alta | critica
    process: Mapped[bool] = mapped_column(default=True)  # False: sensor / communication fault
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime]  # last monitor run that still saw it
    value: Mapped[float | None] = mapped_column(Float)  # most extreme value / score
    message: Mapped[str] = mapped_column(String(500), default="")
    # the readings around the detection and the detector's own evidence, frozen at the time
    # so the record explains itself even after the store prunes its history
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(1000))
    # the operator's verdict, the supervised detector's training labels: confirmado | falso
    label: Mapped[str | None] = mapped_column(String(12))
    labelled_by: Mapped[str | None] = mapped_column(String(120))
    labelled_at: Mapped[dt.datetime | None]
    # seen while its tag was shelved: recorded, but nobody was called
    shelved: Mapped[bool] = mapped_column(default=False)

    tag: Mapped[Tag] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.state == AnomalyState.OPEN

    def __repr__(self) -> str:
        return f"<Anomaly {self.id} {self.kind} {self.state}>"
