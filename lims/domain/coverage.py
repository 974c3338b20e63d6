"""Spatial coverage of the network samples: a month's network samples spread over the system's
sectors in proportion to the population (or connections) each serves, and inside a sector
over its points, network ends, reservoirs and sensitive consumers (hospitals, schools) first.
Pure: sectors and points in, counts out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# inside a sector, the order points receive samples: the far ends of the network (longest
# residence time), reservoirs, sensitive consumers, then the rest
KIND_PRIORITY = {"ponta_de_rede": 0, "reservatorio": 1, "torneira": 3, "rede": 4}
SENSITIVE_PRIORITY = 2
SENSITIVE_LABELS = {"hospital": "Hospital", "escola": "Escola", "creche": "Creche",
                    "asilo": "Instituição de longa permanência",
                    "hemodialise": "Clínica de hemodiálise"}


@dataclass(frozen=True)
class Sector:
    """A sector (setor / DMA) of the system: the month's network samples are shared among the
    sectors that have a point in proportion to `weight`."""

    id: int
    code: str
    name: str
    weight: int  # population served, or connections when the population is not registered
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class NetworkPoint:
    """A collection point in a sector: `kind` (KIND_PRIORITY) and `sensitive` (a key of
    SENSITIVE_LABELS) set the order in which it receives the sector's samples."""

    id: int
    code: str
    kind: str
    sector_id: int | None = None
    sensitive: str | None = None


@dataclass(frozen=True)
class Coverage:
    """What `allocate` made of one month's network samples, per point and per sector."""

    per_point: dict[int, int]  # point id -> samples a month
    per_sector: dict[int, int]  # sector id -> samples a month (0 for a sector without a point)
    empty_sectors: tuple[int, ...]  # sectors with population but no network point
    unsectored: tuple[int, ...]  # network points outside every sector (get nothing when
    # sectors exist)

    def share(self, sector_id: int) -> int:
        return self.per_sector.get(sector_id, 0)


def priority(p: NetworkPoint) -> tuple[int, str]:
    rank = KIND_PRIORITY.get(p.kind, 4)
    if p.sensitive:
        rank = min(rank, SENSITIVE_PRIORITY)
    return rank, p.code


def quotas(n: int, weights: dict[int, int]) -> dict[int, int]:
    """n split in proportion to the weights, by largest remainder (Hamilton): the parts add
    up to n, each within one of its exact share; ties go to the larger weight, then the id."""
    total = sum(w for w in weights.values() if w > 0)
    if n <= 0 or total <= 0:
        return {k: 0 for k in weights}
    exact = {k: n * max(w, 0) / total for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    left = n - sum(out.values())
    order = sorted(weights, key=lambda k: (-(exact[k] - out[k]), -weights[k], k))
    for k in order[:left]:
        out[k] += 1
    return out


def spread_in_sector(n: int, points: Sequence[NetworkPoint]) -> dict[int, int]:
    """n samples over a sector's points, round robin in priority order: with fewer samples
    than points the ends, reservoirs and sensitive consumers get them."""
    ordered = sorted(points, key=priority)
    out = {p.id: 0 for p in ordered}
    for i in range(n):
        out[ordered[i % len(ordered)].id] += 1
    return out


def allocate(n: int, sectors: Sequence[Sector], points: Sequence[NetworkPoint]) -> Coverage:
    """The month's `n` network samples over sectors and points. A sector without a point gets
    nothing (flagged: its share goes to the others, in proportion); without sectors (or when
    no sector has a point) all network points form one pool."""
    by_sector: dict[int, list[NetworkPoint]] = {s.id: [] for s in sectors}
    loose = []
    for p in points:
        by_sector.get(p.sector_id, loose).append(p)  # type: ignore[arg-type]
    empty = tuple(s.id for s in sectors if not by_sector[s.id] and s.weight > 0)
    served = {s.id: s.weight for s in sectors if by_sector[s.id]}
    if not served or sum(served.values()) <= 0:
        pool = list(points)
        per_point = spread_in_sector(n, pool) if pool else {}
        return Coverage(per_point, {s.id: 0 for s in sectors}, empty, ())
    per_sector = quotas(n, served)
    per_point: dict[int, int] = {}
    for sid, k in per_sector.items():
        per_point.update(spread_in_sector(k, by_sector[sid]))
    per_sector.update({s.id: 0 for s in sectors if s.id not in served})
    return Coverage(per_point, per_sector, empty, tuple(p.id for p in loose))


def allocator(sectors: Sequence[Sector],
              points: Sequence[NetworkPoint]) -> Callable[[int], dict[int, int]]:
    """What the plan generator calls for each monthly network rule: n -> {point id: count}."""
    return lambda n: allocate(n, sectors, points).per_point
