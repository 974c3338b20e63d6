"""The value types commercial.api hands other areas (who lives where, where a place is served
from). Their own module, so the services that build them do not import commercial.api, which
calls those services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Area:
    """An affected area; any combination (union) of the criteria."""

    sector_codes: tuple[str, ...] = ()  # setor / DMA codes
    segment_codes: tuple[str, ...] = ()  # network segments
    neighbourhoods: tuple[str, ...] = ()
    polygon: tuple[tuple[float, float], ...] = ()  # (lat, lon) vertices
    system_id: int | None = None  # whole supply system


@dataclass(frozen=True)
class Contact:
    consumer_id: int
    connection_id: int
    matricula: str
    name: str
    mobile: str | None  # validated Brazilian mobile, E.164 (+55...), or None
    phones: tuple[str, ...]  # every phone on file, as typed
    email: str | None
    channels: tuple[str, ...]  # preferred channels in order: whatsapp, sms, email
    consent: bool  # accepts service messages
    address: str
    neighbourhood: str
    sector_code: str | None
    system_id: int | None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class ServiceLocation:
    """Where a street / neighbourhood / matricula is served from."""

    label: str  # what matched, e.g. "Rua das Flores - Centro"
    neighbourhood: str
    system_id: int | None
    sector_code: str | None
    latitude: float | None = None
    longitude: float | None = None
    matricula: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectionInfo:
    """One connection as the customer screen and the work orders see it."""

    id: int
    matricula: str
    name: str
    address: str
    neighbourhood: str
    city: str
    sector_code: str | None
    system_id: int | None
    latitude: float | None
    longitude: float | None
    situation: str  # ativa | cortada | suprimida
    situation_label: str
    mobile: str | None
    email: str | None
    meter_number: str | None


@dataclass(frozen=True)
class InvoiceLine:
    id: int
    number: str
    year: int
    month: int
    due_date: dt.date
    total: Decimal
    state: str
    paid_at: dt.date | None


@dataclass(frozen=True)
class ReadingLine:
    year: int
    month: int
    read_on: dt.date
    value: int | None
    consumption: int
    kind: str
    occurrence: str | None


@dataclass(frozen=True)
class NoticeLine:
    kind: str
    channel: str
    text: str
    state: str
    scheduled_for: dt.date
    sent_at: dt.datetime | None
