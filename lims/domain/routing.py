"""Ordering a collection route (pure): group the day's stops by area (neighbourhood), visit the
areas and, inside each, the points by nearest neighbour on straight-line distance.

Not an optimal tour, but a stable, explainable order a collector recognises: one
neighbourhood at a time, no zig-zag inside it, points without coordinates last in their area.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Stop:
    key: Hashable  # the caller's id (a sample id)
    area: str
    lat: float | None
    lon: float | None
    name: str = ""  # tie-break and order of the points without coordinates

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Leg:
    key: Hashable
    area: str
    km: float | None  # from the previous stop; None for the first or when unknown


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _nearest_first(stops: Sequence[Stop], here: tuple[float, float] | None) -> list[Stop]:
    located = sorted((s for s in stops if s.located), key=lambda s: (s.name, str(s.key)))
    rest = sorted((s for s in stops if not s.located), key=lambda s: (s.name, str(s.key)))
    out: list[Stop] = []
    while located:
        if here is None:
            nxt = located[0]
        else:
            nxt = min(located, key=lambda s: haversine_km(here, (s.lat, s.lon)))  # type: ignore[arg-type]
        located.remove(nxt)
        out.append(nxt)
        here = (nxt.lat, nxt.lon)  # type: ignore[assignment]
    return out + rest


def order_route(stops: Sequence[Stop], start: tuple[float, float] | None = None) -> list[Leg]:
    """Stops in visiting order with the leg length before each one (km, 2 decimals)."""
    areas: dict[str, list[Stop]] = {}
    for s in stops:
        areas.setdefault(s.area or "", []).append(s)

    def centroid(group: list[Stop]) -> tuple[float, float] | None:
        pts = [(s.lat, s.lon) for s in group if s.located]
        if not pts:
            return None
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))

    pending = {a: centroid(g) for a, g in areas.items()}
    here = start
    ordered: list[Stop] = []
    while pending:
        located = [a for a, c in pending.items() if c is not None]
        if located and here is not None:
            area = min(located, key=lambda a: (haversine_km(here, pending[a]), a))  # type: ignore[arg-type]
        elif located:
            area = sorted(located)[0]
        else:
            area = sorted(pending)[0]
        del pending[area]
        visit = _nearest_first(areas[area], here)
        ordered += visit
        last = [s for s in visit if s.located]
        if last:
            here = (last[-1].lat, last[-1].lon)  # type: ignore[assignment]

    legs: list[Leg] = []
    prev: Stop | None = None
    for s in ordered:
        km = None
        if prev is not None and prev.located and s.located:
            km = round(haversine_km((prev.lat, prev.lon), (s.lat, s.lon)), 2)  # type: ignore[arg-type]
        legs.append(Leg(s.key, s.area, km))
        prev = s
    return legs


def total_km(legs: Sequence[Leg]) -> float:
    return round(sum(leg.km or 0.0 for leg in legs), 2)
