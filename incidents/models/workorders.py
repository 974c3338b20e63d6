"""Work orders (OS), the service catalogue (tender 7.9), technicians and field actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow
from incidents.domain import WO_LABELS, WorkOrderState


class ServiceType(Audited, IdMixin, TimestampMixin, Base):
    """One service of the catalogue: deadline, priority, team, approval, kit and closing form."""

    __tablename__ = "incidents_service_type"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(60))  # also the technician skill needed
    deadline_amount: Mapped[int] = mapped_column(default=24)
    deadline_unit: Mapped[str] = mapped_column(String(5), default="horas")  # horas | dias
    priority: Mapped[int] = mapped_column(default=3)  # 1 = highest
    team_size: Mapped[int] = mapped_column(default=1)
    max_postponements: Mapped[int] = mapped_column(default=2)
    needs_approval: Mapped[bool] = mapped_column(default=False)
    materials_kit: Mapped[list[Any]] = mapped_column(default=list)  # [{"code","name","qty","unit"}]
    closing_form: Mapped[list[Any]] = mapped_column(default=list)  # [{"name","label","required"}]
    active: Mapped[bool] = mapped_column(default=True)
    # executing it changes the connection: "" | cortar | suprimir | religar (domain.requests.EFFECTS)
    connection_effect: Mapped[str] = mapped_column(String(12), default="", server_default="")


class Technician(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "incidents_technician"
    __audit_exclude__ = frozenset({"latitude", "longitude", "position_at"})

    name: Mapped[str] = mapped_column(String(120))
    username: Mapped[str | None] = mapped_column(String(120), unique=True)
    skills: Mapped[list[Any]] = mapped_column(default=list)  # service groups
    available: Mapped[bool] = mapped_column(default=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[dt.datetime | None]
    vehicle: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class WorkOrder(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "incidents_work_order"
    # the position is copied from the incident, the request or the connection when the order
    # opens (nobody edits it), like the technicians' positions
    __audit_exclude__ = frozenset({"latitude", "longitude"})

    number: Mapped[str] = mapped_column(String(20), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_incident.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(20))
    state: Mapped[WorkOrderState] = mapped_column(String(30), default=WorkOrderState.PENDING)
    origin: Mapped[str] = mapped_column(String(20), default="incidente")  # incidente | operador | desdobramento | reservico | externo
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(default=3)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_technician.id"))
    distance_km: Mapped[float | None] = mapped_column(Float)
    scheduled_for: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime]
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    executed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    postponements: Mapped[int] = mapped_column(default=0)
    approved: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_work_order.id"))
    redo_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_work_order.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    closing_answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    materials_used: Mapped[list[Any]] = mapped_column(default=list)
    readings: Mapped[list[Any]] = mapped_column(default=list)
    vehicle: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    tag: Mapped[str | None] = mapped_column(String(80), index=True)  # the instrument (calibration)
    # a connection's order (issue 21): its request, the connection (commercial's id, plain) and
    # the tender's fields: attendance type, pause reason, odometer (km), the charge it billed
    request_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_service_request.id"),
                                                   index=True)
    connection_id: Mapped[int | None] = mapped_column(index=True)
    matricula: Mapped[str] = mapped_column(String(12), default="", server_default="")
    attendance: Mapped[str] = mapped_column(String(12), default="sistema", server_default="sistema")
    pause_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    km_start: Mapped[float | None] = mapped_column(Float)
    km_end: Mapped[float | None] = mapped_column(Float)
    charge_id: Mapped[int | None] = mapped_column()  # commercial ServiceCharge id, once billed

    @property
    def km_driven(self) -> float | None:
        if self.km_start is None or self.km_end is None or self.km_end < self.km_start:
            return None
        return round(self.km_end - self.km_start, 1)

    @property
    def state_label(self) -> str:
        return WO_LABELS[WorkOrderState(self.state)]


class WorkOrderAction(IdMixin, Base):
    """One step the technician took on the phone; `client_key` makes a re-sent offline
    queue harmless (unique per order)."""

    __tablename__ = "incidents_wo_action"
    __table_args__ = (UniqueConstraint("work_order_id", "client_key", name="uq_incidents_wo_action_key"),)

    work_order_id: Mapped[int] = mapped_column(ForeignKey("incidents_work_order.id"), index=True)
    client_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # aceitar | a_caminho | chegou | inicio | leitura | foto | material | encerrar
    at: Mapped[dt.datetime]  # when the technician did it (phone clock)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    username: Mapped[str] = mapped_column(String(120), default="")
    photo: Mapped[str | None] = mapped_column(Text)  # base64 JPEG/PNG, small (phone-resized)
