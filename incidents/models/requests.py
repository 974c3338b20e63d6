"""Service requests (Registro de Atendimento): the request-type catalogue, the requests with
their public tracking token, their public timeline, and the service price table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow
from incidents.domain.requests import REQUEST_LABELS, RequestState


class RequestType(Audited, IdMixin, TimestampMixin, Base):
    """Tipo de solicitação (GSAN "Tipo de Solicitação com Especificações"): what a person asks
    for, the work orders it generates (service codes of the catalogue, the first one the parent
    of the others) and whether it is a water-quality complaint or shown on the portal."""

    __tablename__ = "incidents_request_type"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(60))  # Água | Esgoto | Qualidade | Comercial
    services: Mapped[list[Any]] = mapped_column(default=list)  # service codes, in order
    complaint: Mapped[str] = mapped_column(String(20), default="")  # "" | qualidade | falta_agua | vazamento
    public: Mapped[bool] = mapped_column(default=False)  # offered on the portal form
    needs_connection: Mapped[bool] = mapped_column(default=False)  # only for a matricula
    active: Mapped[bool] = mapped_column(default=True)


class ServiceRequest(Audited, IdMixin, TimestampMixin, Base):
    """One request: who asked (a matricula, an address or an occasional person), through which
    channel, its protocol and public token (the same tracking and survey pages as incidents)."""

    __tablename__ = "incidents_service_request"
    # the photo is kept, not diffed; the position is copied from the connection or the address
    __audit_exclude__ = frozenset({"photo", "latitude", "longitude"})
    __table_args__ = (Index("ix_incidents_service_request_sector", "sector_code", "opened_at"),)

    protocol: Mapped[str] = mapped_column(String(20), unique=True)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    type_code: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12))
    subject: Mapped[str] = mapped_column(String(12))  # matricula | endereco | eventual
    state: Mapped[RequestState] = mapped_column(String(20), default=RequestState.OPEN)
    connection_id: Mapped[int | None] = mapped_column(index=True)  # commercial's id, plain
    matricula: Mapped[str] = mapped_column(String(12), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    sector_code: Mapped[str | None] = mapped_column(String(40))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_document: Mapped[str] = mapped_column(String(14), default="")
    requester_phone: Mapped[str] = mapped_column(String(40), default="")
    requester_email: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(Text)  # base64, the portal's optional photo
    photo_type: Mapped[str] = mapped_column(String(20), default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_incident.id"), index=True)
    extra_samples: Mapped[list[Any]] = mapped_column(default=list)  # asked of the laboratory
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    survey_score: Mapped[int | None]
    survey_comment: Mapped[str] = mapped_column(String(2000), default="")
    survey_at: Mapped[dt.datetime | None]

    @property
    def state_label(self) -> str:
        return REQUEST_LABELS[RequestState(self.state)]


class RequestEvent(IdMixin, Base):
    """The request's history; `public` entries are what the tracking page shows."""

    __tablename__ = "incidents_request_event"
    __table_args__ = (Index("ix_incidents_request_event_request", "request_id", "at"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("incidents_service_request.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(120), default="sistema")
    public: Mapped[bool] = mapped_column(default=True)


class ServicePrice(Audited, IdMixin, TimestampMixin, Base):
    """Tabela de valores de serviços (tender 7.9): what an executed service costs the consumer
    in a period; an executed order of a connection reaches its next invoice at this price."""

    __tablename__ = "incidents_service_price"
    __table_args__ = (Index("ix_incidents_service_price_code", "service_code", "valid_from"),)

    service_code: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal]
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
