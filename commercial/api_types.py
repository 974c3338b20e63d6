"""The value types commercial.api hands other areas (who lives where, where a place is served
from). Their own module, so the services that build them do not import commercial.api, which
calls those services."""

from __future__ import annotations

from dataclasses import dataclass, field


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
