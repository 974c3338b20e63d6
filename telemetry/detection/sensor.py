"""Sensor faults (process=False): a stuck value (`travado`) and communication loss
(`comunicacao`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from telemetry.detection.common import Finding, ReadingLike, fmt_value, minutes, usable


def flatline(readings: Sequence[ReadingLike], *, min_duration_s: float = 3600.0,
             tolerance: float = 0.0, min_readings: int = 5,
             severity: str = "baixa") -> list[Finding]:
    """Runs of good readings that do not move by more than `tolerance` for `min_duration_s`.

    A real process value always jitters a little; a value frozen to the last digit for an
    hour is a stuck transmitter or a frozen PLC register (a sensor fault, process=False)."""
    good = usable(readings)
    out: list[Finding] = []
    i = 0
    n = len(good)
    while i < n:
        lo = hi = good[i].value
        j = i + 1
        while j < n:
            v = good[j].value
            nlo, nhi = min(lo, v), max(hi, v)
            if nhi - nlo > tolerance:
                break
            lo, hi = nlo, nhi
            j += 1
        dur = (good[j - 1].ts - good[i].ts).total_seconds()
        if dur >= min_duration_s and j - i >= min_readings:
            end = None if j == n else good[j].ts
            out.append(Finding("travado", good[i].ts, end, severity,
                               f"Valor parado em {fmt_value(good[i].value)} há {minutes(dur)}",
                               good[i].value, process=False,
                               evidence={"readings": j - i, "duration_s": dur,
                                         "tolerance": tolerance}))
        i = j
    return out


# ---------------------------------------------------------------------------------------------
# Communication loss
# ---------------------------------------------------------------------------------------------


def communication_loss(readings: Sequence[ReadingLike], *, window_start: dt.datetime,
                       now: dt.datetime, expected_period_s: float, k: float = 5.0,
                       bad_counts: bool = True, severity: str = "media") -> list[Finding]:
    """Gaps of more than k expected periods without data (a sensor fault, not a process one).

    Any reading proves the link is alive, whatever its quality, unless `bad_counts` is False
    (then a feed of only bad readings counts as silence too). The trailing gap up to `now`
    is an ongoing loss. The stretch before the first reading of the window is not judged
    (what came before the window is unknown) unless the window holds no reading at all:
    then the silence runs from `window_start` (pass the last reading's time when known)."""
    limit = k * expected_period_s
    stamps = [r.ts for r in readings if bad_counts or r.quality == "good"]
    out: list[Finding] = []
    prev = window_start
    for ts in stamps + [now]:
        gap = (ts - prev).total_seconds()
        leading = prev is window_start and ts is not now
        if gap > limit and not leading:
            ongoing = ts is now
            start = prev
            out.append(Finding(
                "comunicacao", start, None if ongoing else ts, severity,
                f"Sem dados (esperado a cada {minutes(expected_period_s)}, tolerância "
                f"{minutes(limit)})" if ongoing else f"Sem dados por {minutes(gap)}",
                gap, process=False,
                evidence={"gap_s": gap, "expected_period_s": expected_period_s, "k": k,
                          "last_reading_at": None if prev is window_start else prev.isoformat()}))
        prev = max(prev, ts)
    return out
