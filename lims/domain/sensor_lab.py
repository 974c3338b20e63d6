"""Sensor and lab (issue 18 section 3), pure: when does an online analyser disagree with the
lab for good, and which points does an anomaly's extra sampling reach (the recoleta
topology: the point itself and every point downstream of it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LabPoint:
    """A lab (or field) result drawn on the online series' chart."""

    at: dt.datetime
    value: float | None  # None: "< LD" and the like (drawn at 0)
    text: str  # as reported, "0,15"
    conforming: bool
    sample_code: str
    online: float | None = None  # the analyser's value then, when stored


@dataclass(frozen=True)
class SensorSeries:
    """One linked analyser of a point: its readings and the lab results of the same water."""

    quantity: str
    label: str
    tag: str
    unit: str
    parameter_code: str
    readings: tuple[Any, ...]  # telemetry.api.Point (.ts, .value, .quality)
    lab: tuple[LabPoint, ...]
    suspect: bool = False


@dataclass(frozen=True)
class ExtraSample:
    """A sample scheduled because another area asked (an incident's anomaly)."""

    sample_id: int
    sample_code: str
    point_id: int
    point_code: str
    point_name: str
    role: str  # mesmo_ponto | jusante
    scheduled_for: dt.date


@dataclass(frozen=True)
class Disagreement:
    pairs: int
    mean_difference: float  # online minus lab


def persistent_difference(pairs: Sequence[tuple[float | None, float | None]], *,
                          tolerance: float, last: int) -> Disagreement | None:
    """`pairs` (lab, online), newest first. A disagreement when each of the newest `last`
    complete pairs differs by more than `tolerance` with the same sign (a drifting or
    fouled analyser, not noise); None otherwise or with fewer pairs."""
    if last < 1:
        return None
    diffs = [o - lab for lab, o in pairs if lab is not None and o is not None][:last]
    if len(diffs) < last or not all(abs(d) > tolerance for d in diffs):
        return None
    if not (all(d > 0 for d in diffs) or all(d < 0 for d in diffs)):
        return None
    return Disagreement(len(diffs), sum(diffs) / len(diffs))


def downstream(point_id: int, links: Mapping[int, Sequence[int]]) -> list[int]:
    """Every point downstream of `point_id` (following `links`: point -> its downstream
    neighbours), nearest first, each once, the point itself left out."""
    seen, out, frontier = {point_id}, [], [point_id]
    while frontier:
        nxt = []
        for p in frontier:
            for d in sorted(links.get(p, ())):
                if d not in seen:
                    seen.add(d)
                    out.append(d)
                    nxt.append(d)
        frontier = nxt
    return out


def chart_start(series: Sequence[SensorSeries], start: dt.datetime,
                margin: dt.timedelta = dt.timedelta(hours=2)) -> dt.datetime:
    """Where the charts of a point begin: `start`, or shortly before the first reading or
    result when the data begin later (a new analyser), so the line is not a sliver."""
    firsts = [s.readings[0].ts for s in series if s.readings] + [s.lab[0].at for s in series if s.lab]
    return max(start, min(firsts) - margin) if firsts else start
