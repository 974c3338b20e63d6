"""The second water-quality detector: robust z-scores against a reference that does not
learn from anomalous minutes, on a scale held near the sensor's long-run scale, combined
over all signals, after per-quantity spike filtering, with a clear-down rule.

What the first detector (telemetry.detection.water_quality) missed, and the answer here:
- long events were absorbed by the 12-hour reference (the MAD grows with the event and the
  score sinks back under the threshold): minutes whose combined score passes `freeze` are
  left out of every later reference window (for at most `max_freeze` rows in a row, so a
  real, lasting change of level is learned in the end), and each signal's scale is clipped
  to [long_scale / band, long_scale * band];
- short multi-signal events (pH up 0.2 while turbidity dips) never put a single signal over
  the threshold: the score is the root of the sum of the squared z-scores (each capped, so
  one broken sensor cannot carry the sum alone) beside the largest single |z|;
- one-minute turbidity spikes: a causal running median of `spike` minutes per signal;
- alarms that ran on after an event: the alarm clears after `k_off` minutes under
  `off_ratio` x threshold, both chosen from labelled history (see `calibrate`);
- steady drifts (a signal walking away at a constant rate, which a level threshold sees
  only when it is already far out): the trend score of telemetry.waterquality.drift, times
  `trend_gain`, beside the level score (0 or no `trend_scale` = off; window, gain and the
  signals' normal tails chosen from labelled history, see `calibrate_drift`).

Everything here is a pure function of arrays (one row per minute, NaN = no good reading).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from telemetry.detection import resolution
from telemetry.waterquality import drift
from telemetry.waterquality.evaluation import alarm as ev_alarm
from telemetry.waterquality.evaluation import score as score_flags


@dataclass(frozen=True)
class RobustParams:
    """Parameters of the robust detector (JSON-friendly: they live in the tag's config)."""

    baseline: int = 720  # rows (minutes) of reference
    refresh: int = 10  # rows between reference updates
    freeze: float = 6.0  # combined score above which minutes stop entering the reference
    freeze_off: float = 0.5  # ... until the score stays under freeze_off x freeze
    freeze_hold: int = 10  # ... for this many rows
    max_freeze: int = 720  # after this many frozen rows in a row, learn again
    min_valid: float = 0.25  # a reference needs this share of its rows; else the last is kept
    band: float = 3.0  # the scale stays within long_scale / band .. long_scale * band
    cap: float = 30.0  # each |z| counts at most this much in the combined score
    spike: Sequence[int] = ()  # per column, running-median width (1 = off); () = all 1
    long_scale: Sequence[float] = ()  # per column; () = estimated on the data given
    min_scale: Sequence[float] = ()  # per column sensor resolution; () = estimated
    threshold: float = 8.0
    k_on: int = 2
    k_off: int = 3
    off_ratio: float = 0.7
    trend_window: int = 5  # rows of the drift slope
    trend_gain: float = 0.0  # the drift score counts this many robust deviations (0 = off)
    # per column normal |t| tail, from labelled history; () = drift off (a window's own tail
    # would be its largest trend: every trend in it would hide itself)
    trend_scale: Sequence[float] = ()

    def to_json(self) -> dict:
        d = asdict(self)
        for key in ("spike", "long_scale", "min_scale", "trend_scale"):
            d[key] = [float(v) if key != "spike" else int(v) for v in d[key]]
        return d


def despike(x: np.ndarray, widths: Sequence[int]) -> np.ndarray:
    """Causal running median per column over `widths[j]` rows (the row and those before)."""
    out = np.array(x, dtype=float, copy=True)
    for j, w in enumerate(widths):
        w = int(w)
        if w <= 1:
            continue
        col = x[:, j]
        stack = np.full((w, len(col)), np.nan)
        for lag in range(w):
            stack[lag, lag:] = col[:len(col) - lag]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(stack, axis=0)
        # keep a missing row missing: filtering must not invent readings
        out[:, j] = np.where(np.isnan(col), np.nan, med)
    return out


@dataclass
class RobustState:
    """What scoring produced: per row the combined score, per signal the z-score, and the
    scale used (for the long-run scale estimate and for evidence)."""

    score: np.ndarray
    z: np.ndarray
    scale: np.ndarray
    frozen: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def scores(values: np.ndarray, p: RobustParams) -> RobustState:
    """Combined score per row of `values` (n, k); rows without a reference score NaN."""
    x = np.asarray(values, dtype=float)
    n, k = x.shape
    widths = list(p.spike) or [1] * k
    xs = despike(x, widths)
    floor = np.asarray(p.min_scale, dtype=float) if len(p.min_scale) else resolution(xs)
    floor = np.maximum(floor, 1e-9)
    long_scale = np.asarray(p.long_scale, dtype=float) if len(p.long_scale) else None
    ref = xs.copy()  # rows judged anomalous are blanked here, never in xs
    z = np.full((n, k), np.nan)
    sc = np.full((n, k), np.nan)
    score = np.full(n, np.nan)
    frozen = np.zeros(n, dtype=bool)
    med = np.full(k, np.nan)
    scale = np.full(k, np.nan)
    run = 0  # frozen rows in a row
    active = False  # freezing
    quiet = 0  # rows under freeze_off while freezing
    step = max(int(p.refresh), 1)
    for s in range(p.baseline, n, step):
        w = ref[s - p.baseline:s]
        m, mad = _median_mad(w)
        # a column with too few reference rows left (an event longer than the reference
        # was blanked out of it) keeps the last reference it had
        ok = np.isfinite(m) & (np.count_nonzero(~np.isnan(w), axis=0) >= p.min_valid * p.baseline)
        ok |= ~np.isfinite(med) & np.isfinite(m)  # the very first reference
        med = np.where(ok, m, med)
        raw = np.maximum(1.4826 * np.nan_to_num(mad, nan=0.0), floor)
        if long_scale is not None:
            raw = np.clip(raw, long_scale / p.band, long_scale * p.band)
        scale = np.where(ok, raw, scale)
        e = min(s + step, n)
        zz = (xs[s:e] - med) / scale
        z[s:e] = zz
        sc[s:e] = scale
        a = np.minimum(np.abs(zz), p.cap)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            l2 = np.sqrt(np.nansum(a ** 2, axis=1))
            mx = np.nanmax(np.abs(zz), axis=1)
        rows = np.where(np.isnan(a).all(axis=1), np.nan, np.fmax(l2, mx))
        score[s:e] = rows
        for i, v in enumerate(rows):
            # hysteresis: freezing starts above `freeze` and lasts until the score stays
            # under freeze_off x freeze for freeze_hold rows (a score that hovers around
            # the limit during an event must not leak the event into the reference)
            if v == v and v > p.freeze:
                quiet = 0
                active = True
            elif active:
                quiet = quiet + 1 if (v != v or v < p.freeze * p.freeze_off) else 0
                if quiet >= p.freeze_hold:
                    active = False
            if active and run < p.max_freeze:
                ref[s + i] = np.nan
                frozen[s + i] = True
                run += 1
            else:
                run = 0 if not active else run
    if p.trend_gain > 0 and len(p.trend_scale):
        score = np.where(np.isfinite(score),
                         np.fmax(score, p.trend_gain * drift_score(xs, z, floor, p)), np.nan)
    return RobustState(score, z, sc, frozen)


def drift_score(xs: np.ndarray, z: np.ndarray, floor: np.ndarray,
                p: RobustParams) -> np.ndarray:
    """The trend score per row of the (despiked) values: |t| / the normal tail, largest
    over the signals walking away from their reference (see telemetry.waterquality.drift)."""
    t = drift.away(drift.trend_t(xs, p.trend_window, floor), z)
    return drift.score(t, np.asarray(p.trend_scale, dtype=float))


def _nanmedian(w: np.ndarray) -> np.ndarray:
    """Per column median ignoring NaN (np.nanmedian goes column by column in Python)."""
    srt = np.sort(w, axis=0)  # NaN sort last
    cnt = np.count_nonzero(~np.isnan(w), axis=0)
    cols = np.arange(w.shape[1])
    lo = np.maximum((cnt - 1) // 2, 0)
    hi = np.maximum(cnt // 2, 0)
    med = (srt[lo, cols] + srt[hi, cols]) / 2
    return np.where(cnt > 0, med, np.nan)


def _median_mad(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column median and MAD, ignoring NaN."""
    m = _nanmedian(w)
    return m, _nanmedian(np.abs(w - m))


def flags(score: np.ndarray, p: RobustParams) -> np.ndarray:
    """Alarm per row, as known at that row (no look-ahead)."""
    return ev_alarm(score, on=p.threshold, off=p.threshold * p.off_ratio, k_on=p.k_on,
                      k_off=p.k_off)


BUDGETS = (0.03, 0.02, 0.015, 0.012, 0.01, 0.008, 0.006)
LEVELS = (6.0, 8.0, 10.0, 12.0, 15.0, 20.0)  # robust deviations, beside the budgets' quantiles
K_ONS = (1, 2, 3)
K_OFFS = (1, 3, 5, 10)
OFF_RATIOS = (1.0, 0.7, 0.5)


def calibrate(score: np.ndarray, y: np.ndarray, rows: np.ndarray,
              p: RobustParams) -> tuple[RobustParams, float]:
    """(params with threshold / k_on / k_off / off_ratio, F1) best on the `rows` mask.

    The threshold is a quantile of the score on those rows (a false-alarm budget) or a round
    number of robust deviations, never a value fitted to single rows; the clear-down (k_off, off_ratio) is the one that best
    matches where the labelled events ended."""
    valid = score[rows & np.isfinite(score)]
    best = (p, -1.0)
    candidates = sorted({float(np.quantile(valid, 1 - b)) for b in BUDGETS} | set(LEVELS))
    for th in candidates:
        for k_on in K_ONS:
            for k_off in K_OFFS:
                for ratio in OFF_RATIOS:
                    if ratio == 1.0 and k_off > 1 and k_off != K_OFFS[1]:
                        continue
                    q = RobustParams(**{**p.__dict__, "threshold": th, "k_on": k_on,
                                        "k_off": k_off, "off_ratio": ratio})
                    f = score_flags(flags(score, q)[rows], y[rows]).f1
                    if f > best[1]:
                        best = (q, f)
    return best


TREND_WINDOWS = (5, 10)
TREND_GAINS = (0.0, 10.0, 20.0, 30.0)


def calibrate_drift(values: np.ndarray, y: np.ndarray, rows: np.ndarray,
                    p: RobustParams) -> tuple[RobustParams, float]:
    """(params, F1) best on the `rows` mask over the drift window and gain (each with its
    threshold and clear-down from `calibrate`). The level score is computed once; the trend
    scales come from the normal (unlabelled) minutes of `rows` only."""
    x = np.asarray(values, dtype=float)
    y = np.asarray(y, dtype=bool)
    state = scores(x, RobustParams(**{**p.__dict__, "trend_gain": 0.0}))
    level = state.score
    xs = despike(x, list(p.spike) or [1] * x.shape[1])
    floor = np.maximum(np.asarray(p.min_scale, dtype=float) if len(p.min_scale)
                       else resolution(xs), 1e-9)
    best = calibrate(level, y, rows, RobustParams(**{**p.__dict__, "trend_gain": 0.0}))
    for window in TREND_WINDOWS:
        t = drift.away(drift.trend_t(xs, window, floor), state.z)
        scale = drift.scales(t, rows & ~y)
        trend = drift.score(t, scale)
        for gain in TREND_GAINS[1:]:
            s = np.where(np.isfinite(level), np.fmax(level, gain * trend), np.nan)
            q = RobustParams(**{**p.__dict__, "trend_window": window, "trend_gain": gain,
                                "trend_scale": [float(v) for v in scale]})
            cand = calibrate(s, y, rows, q)
            if cand[1] > best[1]:
                best = cand
    return best
