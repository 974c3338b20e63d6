"""Incidents, their timeline and their evidence chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow
from incidents.domain import INCIDENT_LABELS, IncidentState


class Incident(Audited, IdMixin, TimestampMixin, Base):
    """One problem operations act on. `open_key` (origin:asset:kind) is set while the
    incident is open and cleared when it is resolved, so the unique constraint keeps one
    open incident per asset and kind even when two workers race."""

    __tablename__ = "incidents_incident"
    __table_args__ = (
        UniqueConstraint("source_system", "source_code", name="uq_incidents_incident_source"),
        Index("ix_incidents_incident_state", "state", "opened_at"),
    )

    protocol: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # interrupcao | qualidade | manutencao | atendimento
    origin: Mapped[str] = mapped_column(String(20))  # scada | laboratorio | eta | operador | cidadao | externo
    state: Mapped[IncidentState] = mapped_column(String(20), default=IncidentState.OPEN)
    severity: Mapped[str] = mapped_column(String(10), default="media")
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    asset_code: Mapped[str | None] = mapped_column(String(40), index=True)
    asset_name: Mapped[str] = mapped_column(String(200), default="")
    asset_kind: Mapped[str] = mapped_column(String(20), default="")
    tag: Mapped[str | None] = mapped_column(String(120))
    anomaly_ids: Mapped[list[Any]] = mapped_column(default=list)
    anomaly_kind: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # the affected area (commercial.api.Area fields) and its description for notices
    area: Mapped[dict[str, Any]] = mapped_column(default=dict)
    area_description: Mapped[str] = mapped_column(String(500), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    estimated_hours: Mapped[float | None] = mapped_column(Float)
    safety_measures: Mapped[str] = mapped_column(String(1000), default="")
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    public_notice: Mapped[bool] = mapped_column(default=False)  # shown on the public site
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    # external systems (seed 003): source code deduplicates, status is mirrored
    source_system: Mapped[str | None] = mapped_column(String(60))
    source_code: Mapped[str | None] = mapped_column(String(80))
    source_status: Mapped[str | None] = mapped_column(String(60))
    source_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_phone: Mapped[str] = mapped_column(String(40), default="")
    requester_email: Mapped[str] = mapped_column(String(200), default="")
    survey_score: Mapped[int | None]
    survey_comment: Mapped[str] = mapped_column(String(2000), default="")
    survey_at: Mapped[dt.datetime | None]
    # a lab result's public notice waits for a Supervisor or Gestor: "" (not needed),
    # "pendente", "confirmado" or "dispensado"
    notice_confirmation: Mapped[str] = mapped_column(String(20), default="", server_default="")
    notice_confirmed_by: Mapped[str | None] = mapped_column(String(120))
    notice_confirmed_at: Mapped[dt.datetime | None]

    @property
    def state_label(self) -> str:
        return INCIDENT_LABELS[IncidentState(self.state)]

    @property
    def is_open(self) -> bool:
        return self.state in ("aberto", "em_analise", "em_atendimento")


class TimelineEntry(IdMixin, Base):
    """Every event, reading, action and message of an incident, in time order."""

    __tablename__ = "incidents_timeline"
    __table_args__ = (Index("ix_incidents_timeline_incident", "incident_id", "at"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents_incident.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # evento | leitura | acao | mensagem | log
    text: Mapped[str] = mapped_column(String(1000))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    username: Mapped[str] = mapped_column(String(120), default="sistema")
    public: Mapped[bool] = mapped_column(default=False)  # shown on the tracking page


class Evidence(IdMixin, Base):
    """One link of the incident's hash chain (append-only)."""

    __tablename__ = "incidents_evidence"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_incidents_evidence_seq"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents_incident.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Timestamp(IdMixin, Base):
    """An RFC 3161 timestamp token over the chain head at one moment."""

    __tablename__ = "incidents_timestamp"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents_incident.id"), index=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    tsa_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # concedido | recusado | erro
    token_b64: Mapped[str] = mapped_column(Text, default="")
    gen_time: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
