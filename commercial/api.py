"""Commercial's public interface (contract first; bodies filled by commercial).

Who lives where and how to reach them: incidents uses it to notify the affected, the
public site to find a citizen's supply system.
"""

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


def consumers_in_area(area: Area) -> list[Contact]:
    """Active connections in the area with their contact channels (fast: 5,000 in < 1 s)."""
    from commercial.services import registry

    return registry.contacts_in_area(area)


def count_in_area(area: Area) -> int:
    from commercial.services import registry

    return registry.count_in_area(area)


def locate(query: str, limit: int = 20) -> list[ServiceLocation]:
    """Find by matricula (with or without check digit), street or neighbourhood name."""
    from commercial.services import registry

    return registry.locate(query, limit)


def locate_public(query: str, limit: int = 20) -> list[ServiceLocation]:
    """`locate` for the citizens' site: a matricula must come whole, with its check digit,
    and answers only its system, sector and neighbourhood (never the street or the
    coordinates of one consumer); a street or neighbourhood with fewer than
    PUBLIC_MIN_GROUP connections has no coordinates either."""
    from commercial.services import registry

    return registry.locate_public(query, limit)


def neighbourhoods() -> list[str]:
    from commercial.services import registry

    return registry.neighbourhood_names()
