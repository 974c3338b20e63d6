"""CUSUM and EWMA (`cusum`, `ewma`): small persistent shifts against a baseline."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from telemetry.detection.common import Finding, ReadingLike, fmt_value, usable


def robust_baseline(values: Sequence[float] | np.ndarray,
                    min_sigma: float = 0.0) -> tuple[float, float]:
    """(median, robust sigma = 1.4826 MAD), sigma at least `min_sigma` (and never zero)."""
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return float("nan"), float("nan")
    med = float(np.median(a))
    sigma = 1.4826 * float(np.median(np.abs(a - med)))
    if sigma <= 0:
        sigma = float(np.std(a))
    return med, max(sigma, min_sigma, 1e-9)


def _split_baseline(readings: Sequence[ReadingLike], baseline_s: float,
                    target: float | None, sigma: float | None,
                    min_sigma: float) -> tuple[list[ReadingLike], float, float] | None:
    good = usable(readings)
    if not good:
        return None
    cut = good[0].ts + dt.timedelta(seconds=baseline_s)
    base = [r.value for r in good if r.ts < cut]
    rest = [r for r in good if r.ts >= cut]
    if target is None or sigma is None:
        if len(base) < 10:
            return None
        m, s = robust_baseline(base, min_sigma)
        target = m if target is None else target
        sigma = s if sigma is None else sigma
    return rest, float(target), max(float(sigma), min_sigma, 1e-9)


def cusum(readings: Sequence[ReadingLike], *, baseline_s: float = 86_400.0,
          target: float | None = None, sigma: float | None = None, min_sigma: float = 0.0,
          k: float = 0.5, h: float = 8.0, severity: str = "baixa") -> list[Finding]:
    """Two-sided tabular CUSUM on values standardised by the baseline (the first
    `baseline_s` of the window, or `target`/`sigma` when configured).

    Alarm once a sum passes h, until it falls back to zero (the process is in control
    again); the episode starts where that sum last left zero (the estimated change point).
    Sums are capped at 2h so the alarm clears within about 2h/k readings of the shift's end.
    The default h = 8 (with k = 0.5) gives roughly 9,500 in-control readings between false
    alarms (about one a week for a one-minute tag) and finds a 1.5-sigma shift in about 9
    readings; the textbook h = 5 would alarm every ~8 hours on one-minute data."""
    split = _split_baseline(readings, baseline_s, target, sigma, min_sigma)
    if split is None:
        return []
    rest, mu, sd = split
    out: list[Finding] = []
    for sign in (1, -1):
        s = 0.0
        left_zero: dt.datetime | None = None
        start: dt.datetime | None = None
        peak = 0.0
        for r in rest:
            z = sign * (r.value - mu) / sd
            prev = s
            s = min(max(0.0, s + z - k), 2 * h)
            if prev == 0.0 and s > 0:
                left_zero = r.ts
            if s == 0.0:
                left_zero = None
            if start is None and s > h:
                start, peak = left_zero or r.ts, s
            elif start is not None:
                peak = max(peak, s)
                if s == 0.0:  # back in control (not merely under h: that would flap)
                    out.append(_shift_finding("cusum", start, r.ts, sign, mu, sd, severity,
                                              {"h": h, "k": k, "peak": peak}))
                    start = None
        if start is not None:
            out.append(_shift_finding("cusum", start, None, sign, mu, sd, severity,
                                      {"h": h, "k": k, "peak": peak}))
    return sorted(out, key=lambda f: f.start)


def ewma(readings: Sequence[ReadingLike], *, baseline_s: float = 86_400.0,
         target: float | None = None, sigma: float | None = None, min_sigma: float = 0.0,
         lam: float = 0.2, L: float = 3.0, min_points: int = 3,
         severity: str = "baixa") -> list[Finding]:
    """EWMA control chart: alarm once the smoothed value stays outside target +- L sigma_ewma
    (steady-state limits, sigma_ewma = sigma sqrt(lam / (2 - lam))) for `min_points`; it
    clears when the smoothed value is back within half the limit (hysteresis, so a shift
    that hovers near the limit is one episode, not many)."""
    split = _split_baseline(readings, baseline_s, target, sigma, min_sigma)
    if split is None:
        return []
    rest, mu, sd = split
    limit = L * sd * math.sqrt(lam / (2 - lam))
    out: list[Finding] = []
    z = mu
    run: list[ReadingLike] = []
    start_sign = 0
    active = False
    for r in rest:
        z = lam * r.value + (1 - lam) * z
        dev = z - mu
        if active:
            if abs(dev) < limit / 2:
                out.append(_shift_finding("ewma", run[0].ts, r.ts, start_sign, mu, sd, severity,
                                          {"lambda": lam, "L": L, "ewma": z}))
                run, active = [], False
        elif abs(dev) > limit:
            run.append(r)
            start_sign = 1 if dev > 0 else -1
            active = len(run) >= min_points
        else:
            run = []
    if active:
        out.append(_shift_finding("ewma", run[0].ts, None, start_sign, mu, sd, severity,
                                  {"lambda": lam, "L": L, "ewma": z}))
    return out


def _shift_finding(kind: str, start: dt.datetime, end: dt.datetime | None, sign: int,
                   mu: float, sd: float, severity: str, extra: dict[str, Any]) -> Finding:
    word = "acima" if sign > 0 else "abaixo"
    return Finding(kind, start, end, severity,
                   f"Desvio persistente {word} da referência {fmt_value(mu)} (desvio padrão {fmt_value(sd)})",
                   mu, evidence={"target": mu, "sigma": sd, "direction": sign, **extra})
