"""Anomaly detectors: pure functions of a window of readings (no database, no I/O).

Every detector takes the readings of a window, oldest first, plus its parameters (read from
the tag's `detectors` JSON by telemetry.monitor) and returns `Finding`s: episodes with a
start, an end (None while still going at the end of the window), a severity and evidence.
The monitor turns findings into recorded anomalies; the detectors know nothing about that.

Rules shared by all detectors:
- readings whose quality is not "good" never raise (nor clear) a process alarm: they are
  skipped, as if the instrument had said nothing;
- communication loss and a stuck sensor are sensor faults (`process=False`), not process
  anomalies, so incidents can route them to instrumentation instead of operations;
- parameters come from data (the tag's configuration); defaults here are only the shape
  of a sensible configuration, never regulatory values.

Kinds: limite | taxa | travado | comunicacao | vazao_noturna | cusum | ewma | qualidade |
parada_eta.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

SEVERITIES = ("baixa", "media", "alta", "critica")
KINDS = ("limite", "taxa", "travado", "comunicacao", "vazao_noturna", "cusum", "ewma",
         "qualidade", "parada_eta")
KIND_LABELS = {
    "limite": "Limite ultrapassado",
    "taxa": "Variacao brusca",
    "travado": "Sensor travado",
    "comunicacao": "Falha de comunicacao",
    "vazao_noturna": "Aumento da vazao minima noturna",
    "cusum": "Desvio persistente (CUSUM)",
    "ewma": "Desvio persistente (EWMA)",
    "qualidade": "Evento de qualidade da água",
    "parada_eta": "Parada da ETA",
}
SENSOR_KINDS = frozenset({"travado", "comunicacao"})


class ReadingLike(Protocol):
    ts: dt.datetime
    value: float
    quality: str


@dataclass(frozen=True)
class Finding:
    """One episode found in a window. `end` None = still going at the end of the window."""

    kind: str
    start: dt.datetime
    end: dt.datetime | None
    severity: str
    message: str
    value: float | None = None  # the most extreme value / score of the episode
    process: bool = True  # False for sensor faults (comunicacao, travado)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def ongoing(self) -> bool:
        return self.end is None


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def _good(readings: Sequence[ReadingLike]) -> list[ReadingLike]:
    return [r for r in readings if r.quality == "good" and math.isfinite(r.value)]


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}".replace(".", ",")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


# ---------------------------------------------------------------------------------------------
# Threshold with hysteresis and on/off delays
# ---------------------------------------------------------------------------------------------


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

    def outside(v: float) -> bool:
        return (high is not None and v > high) or (low is not None and v < low)

    def back_inside(v: float) -> bool:
        return ((high is None or v < high - hysteresis)
                and (low is None or v > low + hysteresis))

    def critical(v: float) -> bool:
        return ((critical_high is not None and v > critical_high)
                or (critical_low is not None and v < critical_low))

    out: list[Finding] = []
    active = False
    pending_on: dt.datetime | None = None  # first reading outside (waiting for on_delay)
    pending_off: dt.datetime | None = None  # first reading back inside (waiting for off_delay)
    start: dt.datetime | None = None
    worst: float | None = None
    is_critical = False
    for r in _good(readings):
        v = r.value
        if not active:
            if outside(v):
                pending_on = pending_on or r.ts
                worst = v if worst is None else (max(worst, v) if high is not None and v > high
                                                 else min(worst, v))
                is_critical = is_critical or critical(v)
                if (r.ts - pending_on).total_seconds() >= on_delay_s:
                    active, start, pending_off = True, pending_on, None
            else:
                pending_on, worst, is_critical = None, None, False
        else:
            if outside(v):
                worst = v if worst is None else (max(worst, v) if high is not None and v > high
                                                 else min(worst, v))
                is_critical = is_critical or critical(v)
            if back_inside(v):
                pending_off = pending_off or r.ts
                if (r.ts - pending_off).total_seconds() >= off_delay_s:
                    out.append(_limit_finding(kind, start, pending_off, worst, high, low,
                                              "critica" if is_critical else severity))
                    active, pending_on, pending_off, worst, is_critical = (False, None, None,
                                                                          None, False)
            else:
                pending_off = None
    if active and start is not None:
        out.append(_limit_finding(kind, start, None, worst, high, low,
                                  "critica" if is_critical else severity))
    return out


def _limit_finding(kind: str, start: dt.datetime, end: dt.datetime | None, worst: float | None,
                   high: float | None, low: float | None, severity: str) -> Finding:
    if high is not None and worst is not None and worst > high:
        msg = f"Valor {_fmt(worst)} acima do limite {_fmt(high)}"
    else:
        msg = f"Valor {_fmt(worst)} abaixo do limite {_fmt(low)}"
    return Finding(kind, start, end, severity, msg, worst,
                   evidence={"high": high, "low": low, "worst": worst})


# ---------------------------------------------------------------------------------------------
# Rate of change
# ---------------------------------------------------------------------------------------------


def rate_of_change(readings: Sequence[ReadingLike], *, max_rise_per_min: float | None = None,
                   max_fall_per_min: float | None = None, min_interval_s: float = 0.0,
                   merge_gap_s: float = 300.0, severity: str = "media") -> list[Finding]:
    """Episodes where the value rises (or falls) faster than allowed, in units per minute.

    The rate is taken between consecutive good readings at least `min_interval_s` apart, so
    a noisy 1-second feed can be judged over a minute. Exceedances closer than
    `merge_gap_s` form one episode."""
    if max_rise_per_min is None and max_fall_per_min is None:
        return []
    good = _good(readings)
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
                           f"{word.capitalize()} de {_fmt(abs(rate))} por minuto", rate,
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


# ---------------------------------------------------------------------------------------------
# Flatline (stuck sensor)
# ---------------------------------------------------------------------------------------------


def flatline(readings: Sequence[ReadingLike], *, min_duration_s: float = 3600.0,
             tolerance: float = 0.0, min_readings: int = 5,
             severity: str = "baixa") -> list[Finding]:
    """Runs of good readings that do not move by more than `tolerance` for `min_duration_s`.

    A real process value always jitters a little; a value frozen to the last digit for an
    hour is a stuck transmitter or a frozen PLC register (a sensor fault, process=False)."""
    good = _good(readings)
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
                               f"Valor parado em {_fmt(good[i].value)} ha {_minutes(dur)}",
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
                f"Sem dados (esperado a cada {_minutes(expected_period_s)}, tolerancia "
                f"{_minutes(limit)})" if ongoing else f"Sem dados por {_minutes(gap)}",
                gap, process=False,
                evidence={"gap_s": gap, "expected_period_s": expected_period_s, "k": k,
                          "last_reading_at": None if prev is window_start else prev.isoformat()}))
        prev = max(prev, ts)
    return out


# ---------------------------------------------------------------------------------------------
# Night-flow rise (DMA): minimum night flow against its recent baseline
# ---------------------------------------------------------------------------------------------


def minimum_night_flows(readings: Sequence[ReadingLike], *, tz: str = "America/Sao_Paulo",
                        night_start_hour: int = 2, night_end_hour: int = 4,
                        min_coverage: float = 0.5,
                        expected_period_s: float = 60.0) -> list[tuple[dt.date, float, dt.datetime]]:
    """[(local date, minimum night flow, night start UTC)] per night, oldest first.

    The minimum night flow (MNF) of a night is the mean flow between night_start_hour and
    night_end_hour local time, when consumption is lowest and what flows is mostly leakage.
    Nights with less than `min_coverage` of their expected readings are left out."""
    zone = ZoneInfo(tz)
    nights: dict[dt.date, list[float]] = {}
    for r in _good(readings):
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


def night_flow_rise(readings: Sequence[ReadingLike], *, tz: str = "America/Sao_Paulo",
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
                   f"Vazao minima noturna {_fmt(peak)} contra base {_fmt(baseline)} "
                   f"(+{pct:.0f}%) desde {day.strftime('%d/%m')}", peak,
                   evidence={"baseline": baseline, "peak": peak, "first_night": day.isoformat(),
                             "rise_pct": pct})


# ---------------------------------------------------------------------------------------------
# CUSUM and EWMA: small persistent shifts against a baseline
# ---------------------------------------------------------------------------------------------


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
    good = _good(readings)
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
                   f"Desvio persistente {word} da referencia {_fmt(mu)} (desvio padrao {_fmt(sd)})",
                   mu, evidence={"target": mu, "sigma": sd, "direction": sign, **extra})


# ---------------------------------------------------------------------------------------------
# Multivariate water-quality events (turbidity, chlorine, pH, conductivity, redox together)
# ---------------------------------------------------------------------------------------------


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
    names = list(series)
    if not names:
        return []
    grid, x = align(series, step_s=step_s, start=start, end=end)
    base_rows = int(baseline_s // step_s)
    if len(grid) <= base_rows:
        return []
    # the scale floor is the sensor's resolution seen over the whole window (a 12-hour
    # reference alone can be too quiet to show it), or the configured `min_scale` per tag
    res = resolution(x)
    cfg = min_scale or {}
    floors = np.array([float(cfg[n]) if n in cfg else res[j] for j, n in enumerate(names)])
    refresh = max(int((refresh_s or step_s) // step_s), 1)
    score, z = robust_scores(x, baseline=base_rows, refresh=refresh, min_scale=floors,
                             combine=combine)
    mask = alarm_mask(score, on=threshold, k_on=k_on, k_off=k_off)
    out: list[Finding] = []
    i = base_rows
    n = len(grid)
    while i < n:
        if not mask[i]:
            i += 1
            continue
        # the episode began at the first of the k_on rows that confirmed it
        s = i
        while s > base_rows and score[s - 1] == score[s - 1] and score[s - 1] > threshold:
            s -= 1
        j = i
        while j < n and mask[j]:
            j += 1
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
        out.append(Finding("qualidade", grid[s], None if j >= n else grid[j], sev,
                           f"Evento de qualidade da água (índice {peak:.0f}; "
                           f"limite {threshold:g}){': ' + top if top else ''}", peak,
                           evidence={"score": peak, "threshold": threshold, "drivers": drivers,
                                     "peak_at": grid[peak_row].isoformat()}))
        i = j
    return out


# ---------------------------------------------------------------------------------------------
# ETA stoppage: no outlet flow
# ---------------------------------------------------------------------------------------------


def eta_stoppage(readings: Sequence[ReadingLike], *, below: float = 1.0,
                 on_delay_s: float = 600.0, off_delay_s: float = 300.0) -> list[Finding]:
    """The plant is stopped while its outlet flow stays below `below` for `on_delay_s`."""
    found = threshold(readings, low=below, on_delay_s=on_delay_s, off_delay_s=off_delay_s,
                      severity="alta", kind="parada_eta")
    return [Finding("parada_eta", f.start, f.end, f.severity,
                    f"ETA sem vazao de saida (abaixo de {_fmt(below)})", f.value,
                    evidence=f.evidence) for f in found]


# ---------------------------------------------------------------------------------------------
# Registry used by the monitor: detector name -> (function, how much history it needs)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectorSpec:
    fn: Callable[..., list[Finding]]
    lookback: Callable[[dict[str, Any], int], dt.timedelta]  # (params, period_s) -> window
    label: str
    # record episodes that began and ended between two passes; off for communication loss,
    # where a first look at a sparse history would otherwise file every old gap
    record_past: bool = True


def _lb_short(p: dict[str, Any], period: int) -> dt.timedelta:
    return dt.timedelta(seconds=max(3600.0, 4 * float(p.get("on_delay_s", 0)),
                                    4 * float(p.get("off_delay_s", 0)), 20 * period))


DETECTORS: dict[str, DetectorSpec] = {
    "limite": DetectorSpec(threshold, _lb_short, KIND_LABELS["limite"]),
    "taxa": DetectorSpec(rate_of_change, _lb_short, KIND_LABELS["taxa"]),
    "travado": DetectorSpec(
        flatline, lambda p, period: dt.timedelta(seconds=2 * float(p.get("min_duration_s", 3600))
                                                 + 10 * period), KIND_LABELS["travado"]),
    "comunicacao": DetectorSpec(
        communication_loss, lambda p, period: dt.timedelta(
            seconds=max(3600.0, 3 * float(p.get("k", 5)) * period)), KIND_LABELS["comunicacao"],
        record_past=False),
    "vazao_noturna": DetectorSpec(
        night_flow_rise, lambda p, period: dt.timedelta(
            days=int(p.get("baseline_nights", 7)) + 2), KIND_LABELS["vazao_noturna"]),
    "cusum": DetectorSpec(
        cusum, lambda p, period: dt.timedelta(seconds=float(p.get("baseline_s", 86_400)) * 1.5),
        KIND_LABELS["cusum"]),
    "ewma": DetectorSpec(
        ewma, lambda p, period: dt.timedelta(seconds=float(p.get("baseline_s", 86_400)) * 1.5),
        KIND_LABELS["ewma"]),
    "qualidade": DetectorSpec(
        water_quality, lambda p, period: dt.timedelta(
            seconds=float(p.get("baseline_s", 12 * 3600)) + 6 * 3600), KIND_LABELS["qualidade"]),
    "parada_eta": DetectorSpec(eta_stoppage, _lb_short, KIND_LABELS["parada_eta"]),
}

# Parameters each detector accepts from the tag's JSON (anything else is a typo).
PARAMS: dict[str, frozenset[str]] = {
    "limite": frozenset({"high", "low", "hysteresis", "on_delay_s", "off_delay_s",
                         "critical_high", "critical_low", "severity"}),
    "taxa": frozenset({"max_rise_per_min", "max_fall_per_min", "min_interval_s", "merge_gap_s",
                       "severity"}),
    "travado": frozenset({"min_duration_s", "tolerance", "min_readings", "severity"}),
    "comunicacao": frozenset({"k", "bad_counts", "severity"}),
    "vazao_noturna": frozenset({"tz", "night_start_hour", "night_end_hour", "baseline_nights",
                                "min_baseline_nights", "rise_fraction", "min_rise", "severity"}),
    "cusum": frozenset({"baseline_s", "target", "sigma", "min_sigma", "k", "h", "severity"}),
    "ewma": frozenset({"baseline_s", "target", "sigma", "min_sigma", "lam", "L", "min_points",
                       "severity"}),
    "qualidade": frozenset({"tags", "step_s", "baseline_s", "refresh_s", "threshold", "k_on",
                            "k_off", "min_scale", "combine", "severity",
                            # telemetry.waterquality.live: method robusto | modelo
                            "method", "model_version", "long_scale", "spike", "freeze",
                            "max_freeze", "band", "cap", "off_ratio"}),
    "parada_eta": frozenset({"below", "on_delay_s", "off_delay_s"}),
}


def validate_config(config: Any) -> dict[str, list[str]]:
    """Problems of a tag's `detectors` JSON, in Portuguese, per detector ({} when valid).

    A detector set to false is switched off (useful for `comunicacao`, on by default)."""
    if not isinstance(config, dict):
        return {"detectors": ["A configuracao dos detectores deve ser um objeto JSON."]}
    problems: dict[str, list[str]] = {}
    for name, params in config.items():
        if name not in DETECTORS:
            problems.setdefault(name, []).append(
                f"Detector desconhecido; use {', '.join(sorted(DETECTORS))}.")
            continue
        if params is False or params is True:
            continue
        if not isinstance(params, dict):
            problems.setdefault(name, []).append("Informe um objeto com os parametros.")
            continue
        for key, value in params.items():
            if key not in PARAMS[name]:
                problems.setdefault(name, []).append(f"Parametro desconhecido: {key}.")
            elif key == "severity" and value not in SEVERITIES:
                problems.setdefault(name, []).append(
                    f"severity deve ser uma de {', '.join(SEVERITIES)}.")
            elif key in ("tags",):
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    problems.setdefault(name, []).append("tags deve ser uma lista de nomes.")
            elif key in ("min_scale", "long_scale", "spike"):
                if not isinstance(value, dict):
                    problems.setdefault(name, []).append(f"{key} deve ser {{tag: numero}}.")
            elif key == "method":
                if value not in ("indice", "robusto", "modelo"):
                    problems.setdefault(name, []).append("method deve ser indice, robusto ou modelo.")
            elif key in ("tz", "combine"):
                if not isinstance(value, str):
                    problems.setdefault(name, []).append(f"{key} deve ser texto.")
                elif key == "tz":
                    try:
                        ZoneInfo(value)
                    except Exception:  # zoneinfo raises several types for bad keys
                        problems.setdefault(name, []).append(f"Fuso horario invalido: {value}.")
                elif value not in ("max", "rms"):
                    problems.setdefault(name, []).append("combine deve ser max ou rms.")
            elif key == "bad_counts":
                if not isinstance(value, bool):
                    problems.setdefault(name, []).append("bad_counts deve ser true ou false.")
            elif value is not None and (isinstance(value, bool)
                                        or not isinstance(value, int | float)
                                        or not math.isfinite(value)):
                problems.setdefault(name, []).append(f"{key} deve ser um numero.")
    return problems


def suggested_config(quantity: str, asset_kind: str, *, tag_name: str = "",
                     plausible_min: float | None = None,
                     plausible_max: float | None = None) -> dict[str, Any]:
    """A starting configuration for a tag by what it measures (the Gestor edits it).

    Regulatory limits are NOT set here: they are the LIMS's data (Portaria 888 VMPs);
    these are operational alarms for the control room."""
    cfg: dict[str, Any] = {"comunicacao": {"k": 5}}
    if quantity in ("pressao", "vazao", "nivel", "turbidez", "cloro", "ph", "condutividade",
                    "redox"):
        cfg["travado"] = {"min_duration_s": 3 * 3600, "tolerance": 0.0}
    if quantity == "vazao" and asset_kind == "setor":
        cfg["vazao_noturna"] = {"rise_fraction": 0.25, "baseline_nights": 7}
    if quantity == "vazao" and asset_kind == "eta" and "SAIDA" in tag_name.upper():
        cfg["parada_eta"] = {"below": max(1.0, (plausible_max or 0) * 0.01), "on_delay_s": 600}
    if quantity == "turbidez" and asset_kind == "eta":
        # the plant's quality tags (same asset) together; threshold and persistence as
        # calibrated on the first half of the GECCO 2018 plant data (bench/telemetry_detection)
        cfg["qualidade"] = {"threshold": 10.8, "baseline_s": 12 * 3600, "k_on": 2}
    if quantity == "pressao" and asset_kind == "setor":
        cfg["taxa"] = {"max_fall_per_min": 5.0, "min_interval_s": 60}
        # 10 mca: the usual minimum dynamic pressure of a distribution network (NBR 12218);
        # a starting point the Gestor adjusts to the sector's critical point
        cfg["limite"] = {"low": 10.0, "hysteresis": 1.0, "on_delay_s": 300, "off_delay_s": 300}
    if quantity == "ph" and asset_kind == "eta":
        # CUSUM / EWMA only on signals without a daily cycle: against a flat reference a
        # demand-driven pressure or a chlorine that follows the day would alarm every day
        cfg["cusum"] = {"baseline_s": 86_400, "k": 0.5, "h": 8}
    if quantity == "nivel" and asset_kind == "reservatorio" and plausible_max:
        cfg["limite"] = {"low": plausible_max * 0.1, "hysteresis": plausible_max * 0.02,
                         "on_delay_s": 300, "off_delay_s": 300}
    return cfg
