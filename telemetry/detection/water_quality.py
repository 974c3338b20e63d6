"""Multivariate water-quality events (`qualidade`): turbidity, chlorine, pH, conductivity and
redox together, as robust z-scores against a rolling reference, with persistence."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from telemetry.detection.common import SEVERITIES, Finding, ReadingLike, severity_rank


def resolution(values: np.ndarray, pct: float = 10.0) -> np.ndarray:
    """Per column, a small typical step of the sensor: the `pct` percentile of the non-zero
    absolute differences between consecutive values (0 when a column never moves)."""
    d = np.abs(np.diff(values, axis=0))
    out = np.zeros(values.shape[1])
    for j in range(values.shape[1]):
        col = d[:, j]
        col = col[np.isfinite(col) & (col > 1e-12)]
        out[j] = float(np.percentile(col, pct)) if col.size else 0.0
    return out


def robust_scores(values: np.ndarray, *, baseline: int, refresh: int = 1,
                  min_scale: Sequence[float] | np.ndarray | None = None,
                  combine: str = "max") -> tuple[np.ndarray, np.ndarray]:
    """Robust z-scores of each row against the `baseline` rows before it.

    values: (n, k) with NaN where a variable is missing or of bad quality. For row i the
    reference of each variable is the median of rows [i - baseline, i) and the scale
    1.4826 MAD, never below `min_scale` (default: the sensor's resolution estimated on
    that baseline, so a conductivity that sits on one integer cannot divide by zero).
    The reference is recomputed every `refresh` rows (1 = every row).

    Returns (score (n,), z (n, k)); rows without a full baseline score NaN. `combine`:
    "max" (the most deviating variable) or "rms" (their root mean square)."""
    x = np.asarray(values, dtype=float)
    n, k = x.shape
    z = np.full((n, k), np.nan)
    floor_cfg = np.zeros(k) if min_scale is None else np.asarray(min_scale, dtype=float)
    step = max(int(refresh), 1)
    for s in range(baseline, n, step):
        w = x[s - baseline:s]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN is right
            if np.isnan(w).any():
                med = np.nanmedian(w, axis=0)
                mad = np.nanmedian(np.abs(w - med), axis=0)
            else:
                med = np.median(w, axis=0)
                mad = np.median(np.abs(w - med), axis=0)
        floor = np.maximum(floor_cfg, resolution(w)) if min_scale is None else floor_cfg
        scale = np.maximum(1.4826 * np.nan_to_num(mad), np.maximum(floor, 1e-12))
        e = min(s + step, n)
        z[s:e] = (x[s:e] - med) / scale
    a = np.abs(z)
    with np.errstate(all="ignore"):
        if combine == "rms":
            score = np.sqrt(np.nanmean(a ** 2, axis=1))
        else:
            all_nan = np.isnan(a).all(axis=1)
            score = np.where(all_nan, np.nan, np.nanmax(np.where(np.isnan(a), -1, a), axis=1))
    return score, z


def alarm_mask(score: np.ndarray, *, on: float, off: float | None = None, k_on: int = 3,
               k_off: int = 1) -> np.ndarray:
    """Persistence: the alarm rises after `k_on` consecutive rows above `on` and falls after
    `k_off` consecutive rows below `off` (default `on`). NaN rows (no data) change nothing."""
    off = on if off is None else off
    out = np.zeros(len(score), dtype=bool)
    active = False
    c_on = c_off = 0
    for i, v in enumerate(score):
        if v != v:  # NaN: no evidence either way
            out[i] = active
            continue
        if not active:
            c_on = c_on + 1 if v > on else 0
            if c_on >= k_on:
                active, c_off = True, 0
        else:
            c_off = c_off + 1 if v < off else 0
            if c_off >= k_off:
                active, c_on = False, 0
        out[i] = active
    return out


def align(series: Mapping[str, Sequence[ReadingLike]], *, step_s: float, start: dt.datetime,
          end: dt.datetime, max_age_s: float | None = None) -> tuple[list[dt.datetime], np.ndarray]:
    """Put several tags on one time grid [start, end) every `step_s`: each cell holds the
    last good reading of the tag at or before the grid time (at most `max_age_s` old,
    default 2 steps), else NaN. Bad-quality readings leave a NaN: they never raise alarms."""
    names = list(series)
    step = dt.timedelta(seconds=step_s)
    count = max(int((end - start) / step), 0)
    grid = [start + i * step for i in range(count)]
    max_age = dt.timedelta(seconds=max_age_s if max_age_s is not None else 2 * step_s)
    out = np.full((count, len(names)), np.nan)
    for j, name in enumerate(names):
        rs = list(series[name])
        i = 0
        last: ReadingLike | None = None
        for g, t in enumerate(grid):
            while i < len(rs) and rs[i].ts <= t:
                last = rs[i]
                i += 1
            if last is not None and t - last.ts <= max_age and last.quality == "good" \
                    and math.isfinite(last.value):
                out[g, j] = last.value
    return grid, out


def on_grid(series: Mapping[str, Sequence[ReadingLike]], *, start: dt.datetime, end: dt.datetime,
            step_s: float, baseline_s: float
            ) -> tuple[list[str], list[dt.datetime], np.ndarray, int] | None:
    """(tag names, grid, values, reference rows) of the window, None when it is too short
    to hold a reference of `baseline_s` (or names no tag)."""
    names = list(series)
    if not names:
        return None
    grid, x = align(series, step_s=step_s, start=start, end=end)
    base_rows = int(baseline_s // step_s)
    if len(grid) <= base_rows:
        return None
    return names, grid, x, base_rows


def water_quality(series: Mapping[str, Sequence[ReadingLike]], *, start: dt.datetime,
                  end: dt.datetime, step_s: float = 60.0, baseline_s: float = 12 * 3600.0,
                  refresh_s: float | None = 600.0, threshold: float = 10.0,
                  k_on: int = 2, k_off: int = 1,
                  min_scale: Mapping[str, float] | None = None, combine: str = "max",
                  severity: str = "media") -> list[Finding]:
    """Water-quality events over several tags at once (turbidity, free chlorine, pH,
    conductivity, redox...): robust z-scores of each tag against its own rolling baseline
    (`baseline_s` before each instant), combined into one score; an event is `k_on`
    consecutive steps above `threshold` and ends after `k_off` steps below it. The
    reference is refreshed every `refresh_s` (10 minutes, as in the benchmark).

    The threshold is a number of robust standard deviations, calibrated on the utility's
    own history (bench/telemetry_detection.py shows how on the GECCO 2018 plant data).
    Evidence lists the tags that moved most, with their reference and value."""
    window = on_grid(series, start=start, end=end, step_s=step_s, baseline_s=baseline_s)
    if window is None:
        return []
    names, grid, x, base_rows = window
    # the scale floor is the sensor's resolution seen over the whole window (a 12-hour
    # reference alone can be too quiet to show it), or the configured `min_scale` per tag
    res = resolution(x)
    cfg = min_scale or {}
    floors = np.array([float(cfg[n]) if n in cfg else res[j] for j, n in enumerate(names)])
    refresh = max(int((refresh_s or step_s) // step_s), 1)
    score, z = robust_scores(x, baseline=base_rows, refresh=refresh, min_scale=floors,
                             combine=combine)
    mask = alarm_mask(score, on=threshold, k_on=k_on, k_off=k_off)
    return [_finding(grid, x, score, z, names, s, j, threshold, severity)
            for s, j in alarm_episodes(mask, score, threshold, base_rows)]


def alarm_episodes(mask: np.ndarray, score: np.ndarray, threshold: float,
                   first: int) -> Iterator[tuple[int, int]]:
    """(start, end) rows of each alarm episode of `mask` from row `first` on, end exclusive.

    An episode begins at the first of the consecutive rows above `threshold` that confirmed
    the alarm (not at the row where persistence raised it) and ends where the mask falls."""
    n = len(mask)
    i = first
    while i < n:
        if not mask[i]:
            i += 1
            continue
        s = i
        while s > first and score[s - 1] == score[s - 1] and score[s - 1] > threshold:
            s -= 1
        j = i
        while j < n and mask[j]:
            j += 1
        yield s, j
        i = j


def _finding(grid: list[dt.datetime], x: np.ndarray, score: np.ndarray, z: np.ndarray,
             names: list[str], s: int, j: int, threshold: float, severity: str) -> Finding:
    seg = slice(s, j)
    peak_row = s + int(np.nanargmax(score[seg]))
    peak = float(score[peak_row])
    zmax = np.nanmax(np.abs(z[seg]), axis=0)
    order = [int(c) for c in np.argsort(-np.nan_to_num(zmax, nan=-1)) if zmax[c] == zmax[c]]
    drivers = [{"tag": names[c], "z": round(float(z[peak_row, c]), 2)
                if z[peak_row, c] == z[peak_row, c] else None,
                "value": None if x[peak_row, c] != x[peak_row, c] else float(x[peak_row, c]),
                "max_abs_z": round(float(zmax[c]), 2)} for c in order[:5]]
    sev = severity
    if peak > 4 * threshold:
        sev = "critica"
    elif peak > 2 * threshold:
        sev = SEVERITIES[max(severity_rank(severity), severity_rank("alta"))]
    top = ", ".join(d["tag"] for d in drivers[:3] if d["max_abs_z"] > threshold / 2)
    return Finding("qualidade", grid[s], None if j >= len(grid) else grid[j], sev,
                   f"Evento de qualidade da água (índice {peak:.0f}; "
                   f"limite {threshold:g}){': ' + top if top else ''}", peak,
                   evidence={"score": peak, "threshold": threshold, "drivers": drivers,
                             "peak_at": grid[peak_row].isoformat()})
