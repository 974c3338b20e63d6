"""Night-flow rise in a DMA (`vazao_noturna`): the minimum night flow against its recent
baseline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from core import fmt
from telemetry.detection.common import (
    SEVERITIES,
    Finding,
    ReadingLike,
    fmt_value,
    severity_rank,
    usable,
)


def minimum_night_flows(readings: Sequence[ReadingLike], *, tz: str | None = None,
                        night_start_hour: int = 2, night_end_hour: int = 4,
                        min_coverage: float = 0.5,
                        expected_period_s: float = 60.0) -> list[tuple[dt.date, float, dt.datetime]]:
    """[(local date, minimum night flow, night start UTC)] per night, oldest first.

    The minimum night flow (MNF) of a night is the mean flow between night_start_hour and
    night_end_hour local time, when consumption is lowest and what flows is mostly leakage.
    Nights with less than `min_coverage` of their expected readings are left out."""
    zone = fmt.zone(tz)  # the settings' zone unless the tag's configuration names one
    nights: dict[dt.date, list[float]] = {}
    for r in usable(readings):
        local = r.ts.astimezone(zone)
        if night_start_hour <= local.hour < night_end_hour:
            nights.setdefault(local.date(), []).append(r.value)
    expected = (night_end_hour - night_start_hour) * 3600 / max(expected_period_s, 1)
    out = []
    for day in sorted(nights):
        vals = nights[day]
        if len(vals) < min_coverage * expected:
            continue
        start = dt.datetime.combine(day, dt.time(night_start_hour), zone).astimezone(dt.UTC)
        out.append((day, float(np.mean(vals)), start))
    return out


def night_flow_rise(readings: Sequence[ReadingLike], *, tz: str | None = None,
                    night_start_hour: int = 2, night_end_hour: int = 4,
                    baseline_nights: int = 7, min_baseline_nights: int = 3,
                    rise_fraction: float = 0.2, min_rise: float = 0.0,
                    expected_period_s: float = 60.0, severity: str = "media") -> list[Finding]:
    """The latest night whose MNF rose more than `rise_fraction` (and `min_rise` units) over
    the median MNF of the `baseline_nights` before it: a new leak or burst in the DMA.

    Ongoing (end None) while the latest complete night is still high; the finding starts
    at the first high night of the current run."""
    mnf = minimum_night_flows(readings, tz=tz, night_start_hour=night_start_hour,
                              night_end_hour=night_end_hour,
                              expected_period_s=expected_period_s)
    out: list[Finding] = []
    run_start: tuple[dt.date, float, dt.datetime] | None = None
    baseline_at_start = 0.0
    peak = 0.0
    history: list[float] = []  # MNFs of normal nights only: a leak must not become the baseline
    for idx, (day, flow, start) in enumerate(mnf):
        base = history[-baseline_nights:]
        high = False
        if len(base) >= min_baseline_nights:
            b = float(np.median(base))
            high = flow > b * (1 + rise_fraction) and flow - b > min_rise
        if high:
            if run_start is None:
                run_start, baseline_at_start, peak = (day, flow, start), b, flow
            peak = max(peak, flow)
        else:
            if run_start is not None:
                out.append(_night_finding(run_start, start, baseline_at_start, peak, severity,
                                          rise_fraction))
                run_start = None
            history.append(flow)
        if idx == len(mnf) - 1 and run_start is not None:
            out.append(_night_finding(run_start, None, baseline_at_start, peak, severity,
                                      rise_fraction))
    return out


def _night_finding(run_start: tuple[dt.date, float, dt.datetime], end: dt.datetime | None,
                   baseline: float, peak: float, severity: str,
                   rise_fraction: float) -> Finding:
    day, _flow, start = run_start
    pct = (peak / baseline - 1) * 100 if baseline > 0 else float("inf")
    sev = severity
    if baseline > 0 and peak > baseline * (1 + 3 * rise_fraction):
        sev = SEVERITIES[min(severity_rank(severity) + 1, 3)]
    return Finding("vazao_noturna", start, end, sev,
                   f"Vazão mínima noturna {fmt_value(peak)} contra base {fmt_value(baseline)} "
                   f"(+{pct:.0f}%) desde {day.strftime('%d/%m')}", peak,
                   evidence={"baseline": baseline, "peak": peak, "first_night": day.isoformat(),
                             "rise_pct": pct})
