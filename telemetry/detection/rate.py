"""Rate of change (the `taxa` detector): rises or falls faster than allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from telemetry.detection.common import Finding, ReadingLike, fmt_value, usable


def rate_of_change(readings: Sequence[ReadingLike], *, max_rise_per_min: float | None = None,
                   max_fall_per_min: float | None = None, min_interval_s: float = 0.0,
                   merge_gap_s: float = 300.0, severity: str = "media") -> list[Finding]:
    """Episodes where the value rises (or falls) faster than allowed, in units per minute.

    The rate is taken between consecutive good readings at least `min_interval_s` apart, so
    a noisy 1-second feed can be judged over a minute. Exceedances closer than
    `merge_gap_s` form one episode."""
    if max_rise_per_min is None and max_fall_per_min is None:
        return []
    good = usable(readings)
    hits: list[tuple[dt.datetime, dt.datetime, float]] = []
    anchor = good[0] if good else None
    for r in good[1:]:
        assert anchor is not None
        dt_s = (r.ts - anchor.ts).total_seconds()
        if dt_s <= 0 or dt_s < min_interval_s:
            continue
        rate = (r.value - anchor.value) / dt_s * 60.0
        if ((max_rise_per_min is not None and rate > max_rise_per_min)
                or (max_fall_per_min is not None and -rate > max_fall_per_min)):
            hits.append((anchor.ts, r.ts, rate))
        anchor = r
    out: list[Finding] = []
    last_ts = good[-1].ts if good else None
    for start, end, rate in _merge(hits, merge_gap_s):
        ongoing = last_ts is not None and (last_ts - end).total_seconds() < merge_gap_s
        word = "subida" if rate > 0 else "queda"
        out.append(Finding("taxa", start, None if ongoing else end, severity,
                           f"{word.capitalize()} de {fmt_value(abs(rate))} por minuto", rate,
                           evidence={"rate_per_min": rate, "max_rise_per_min": max_rise_per_min,
                                     "max_fall_per_min": max_fall_per_min}))
    return out


def _merge(hits: list[tuple[dt.datetime, dt.datetime, float]],
           gap_s: float) -> list[tuple[dt.datetime, dt.datetime, float]]:
    merged: list[tuple[dt.datetime, dt.datetime, float]] = []
    for s, e, v in hits:
        if merged and (s - merged[-1][1]).total_seconds() <= gap_s:
            ps, pe, pv = merged[-1]
            merged[-1] = (ps, max(pe, e), v if abs(v) > abs(pv) else pv)
        else:
            merged.append((s, e, v))
    return merged
