"""Threshold with hysteresis and on/off delays (the `limite` detector), and the ETA
stoppage built on it (`parada_eta`).

This is where the telemetry hysteresis lives: `threshold` raises an alarm once the value
has stayed outside [low, high] for `on_delay_s` and clears it only when the value is back
inside by `hysteresis` for `off_delay_s`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from telemetry.detection.common import Finding, ReadingLike, fmt_value, usable


@dataclass(frozen=True)
class Band:
    """The allowed band of a `limite` alarm and its hysteresis."""

    high: float | None
    low: float | None
    hysteresis: float = 0.0
    critical_high: float | None = None
    critical_low: float | None = None

    def outside(self, v: float) -> bool:
        return (self.high is not None and v > self.high) or (self.low is not None and v < self.low)

    def back_inside(self, v: float) -> bool:
        """Inside the band by at least the hysteresis: only this clears an alarm."""
        return ((self.high is None or v < self.high - self.hysteresis)
                and (self.low is None or v > self.low + self.hysteresis))

    def critical(self, v: float) -> bool:
        return ((self.critical_high is not None and v > self.critical_high)
                or (self.critical_low is not None and v < self.critical_low))

    def worse(self, worst: float | None, v: float) -> float:
        if worst is None:
            return v
        return max(worst, v) if self.high is not None and v > self.high else min(worst, v)


@dataclass
class _Episode:
    """The alarm's state while walking the readings."""

    active: bool = False
    pending_on: dt.datetime | None = None  # first reading outside (waiting for on_delay)
    pending_off: dt.datetime | None = None  # first reading back inside (waiting for off_delay)
    start: dt.datetime | None = None
    worst: float | None = None
    critical: bool = False

    def see_outside(self, band: Band, v: float) -> None:
        self.worst = band.worse(self.worst, v)
        self.critical = self.critical or band.critical(v)


def threshold(readings: Sequence[ReadingLike], *, high: float | None = None,
              low: float | None = None, hysteresis: float = 0.0, on_delay_s: float = 0.0,
              off_delay_s: float = 0.0, critical_high: float | None = None,
              critical_low: float | None = None, severity: str = "media",
              kind: str = "limite") -> list[Finding]:
    """Episodes where the value stays above `high` (or below `low`) for `on_delay_s`.

    The alarm clears when the value is back inside by `hysteresis` (below high - hysteresis,
    above low + hysteresis) for `off_delay_s`. Past `critical_*` the severity is critica."""
    if high is None and low is None:
        return []
    band = Band(high, low, hysteresis, critical_high, critical_low)
    out: list[Finding] = []
    ep = _Episode()
    for r in usable(readings):
        v = r.value
        if not ep.active:
            if band.outside(v):
                ep.pending_on = ep.pending_on or r.ts
                ep.see_outside(band, v)
                if (r.ts - ep.pending_on).total_seconds() >= on_delay_s:
                    ep.active, ep.start, ep.pending_off = True, ep.pending_on, None
            else:
                ep.pending_on, ep.worst, ep.critical = None, None, False
            continue
        if band.outside(v):
            ep.see_outside(band, v)
        if not band.back_inside(v):
            ep.pending_off = None
            continue
        ep.pending_off = ep.pending_off or r.ts
        if (r.ts - ep.pending_off).total_seconds() >= off_delay_s:
            out.append(_limit_finding(kind, ep.start, ep.pending_off, ep.worst, high, low,
                                      "critica" if ep.critical else severity))
            ep = _Episode()
    if ep.active and ep.start is not None:
        out.append(_limit_finding(kind, ep.start, None, ep.worst, high, low,
                                  "critica" if ep.critical else severity))
    return out


def _limit_finding(kind: str, start: dt.datetime, end: dt.datetime | None, worst: float | None,
                   high: float | None, low: float | None, severity: str) -> Finding:
    if high is not None and worst is not None and worst > high:
        msg = f"Valor {fmt_value(worst)} acima do limite {fmt_value(high)}"
    else:
        msg = f"Valor {fmt_value(worst)} abaixo do limite {fmt_value(low)}"
    return Finding(kind, start, end, severity, msg, worst,
                   evidence={"high": high, "low": low, "worst": worst})


def eta_stoppage(readings: Sequence[ReadingLike], *, below: float = 1.0,
                 on_delay_s: float = 600.0, off_delay_s: float = 300.0) -> list[Finding]:
    """The plant is stopped while its outlet flow stays below `below` for `on_delay_s`."""
    found = threshold(readings, low=below, on_delay_s=on_delay_s, off_delay_s=off_delay_s,
                      severity="alta", kind="parada_eta")
    return [Finding("parada_eta", f.start, f.end, f.severity,
                    f"ETA sem vazão de saída (abaixo de {fmt_value(below)})", f.value,
                    evidence=f.evidence) for f in found]

