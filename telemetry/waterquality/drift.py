"""Drift (steady trend) detection for the robust quality detector.

What the level score misses: a signal that walks away steadily (pH climbing 0.02 a minute
for half an hour, the GECCO 2018 file's fourth block) only passes a level threshold when it
is already far out, 15 minutes or more into the event. A steady walk shows much earlier as a
trend: the least-squares slope over the last `window` minutes divided by its standard error
(residual spread floored at the sensor's resolution, so a quantised sensor that flickers
between two steps is not a trend). Each signal's |t| is divided by its own normal tail (the
|t| that one normal minute in 10,000 reaches, estimated on labelled history), and the trend
score of a minute is the largest of these ratios: above 1 means "a trend seen less than once
in 10,000 normal minutes". Only a trend away from the signal's reference counts (`away`):
the way back after an event is not one.

Pure numpy, causal (a minute sees itself and the `window - 1` before it).
"""

from __future__ import annotations

import warnings

import numpy as np

TAIL = 0.9999  # the normal minutes' |t| quantile a trend is measured against


def _rolling_sum(a: np.ndarray, w: int) -> np.ndarray:
    c = np.cumsum(a, axis=0)
    out = np.full_like(c, np.nan)
    if len(a) < w:
        return out
    out[w - 1] = c[w - 1]
    out[w:] = c[w:] - c[:-w]
    return out


def trend_t(x: np.ndarray, window: int, floor: np.ndarray) -> np.ndarray:
    """Per row and column, the t-statistic of the least-squares slope over the last `window`
    rows (NaN when any of them is missing or before `window` rows)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    w = max(int(window), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column stays NaN
        centred = x - np.nanmedian(x, axis=0)  # sums of squares without cancellation
    missing = _rolling_sum(np.isnan(centred).astype(float), w)
    xc = np.nan_to_num(centred)
    sx = _rolling_sum(xc, w)
    sxx = _rolling_sum(xc * xc, w)
    row = np.arange(n, dtype=float)[:, None]
    # sum of tau * x with tau = 0 .. w-1 inside each window
    stx = _rolling_sum(row * xc, w) - (row - w + 1) * sx
    stt = w * (w * w - 1) / 12.0  # sum of (tau - mean tau)^2
    sxy = stx - (w - 1) / 2.0 * sx
    slope = sxy / stt
    resid = np.maximum(sxx - sx * sx / w - slope * sxy, 0.0)
    sd = np.maximum(np.sqrt(resid / (w - 2)), np.maximum(floor, 1e-12))
    t = slope * np.sqrt(stt) / sd
    t[~(missing == 0)] = np.nan
    return t


def away(t: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Only the trends that take a signal further from its reference (t and its z-score of
    the same sign): a signal coming back after an event is not a new event."""
    return np.where(np.asarray(t) * np.asarray(z) > 0, t, 0.0)


def scales(t: np.ndarray, rows: np.ndarray, tail: float = TAIL) -> np.ndarray:
    """Per column, the |t| that a share `1 - tail` of the `rows` (normal minutes) pass."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(np.abs(t[rows]), tail, axis=0)
    return np.where(np.isfinite(q) & (q > 0), q, np.inf)


def score(t: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per row, the largest |t| / scale over the columns (NaN when no column has one)."""
    r = np.abs(t) / np.asarray(scale, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(r, axis=1)
