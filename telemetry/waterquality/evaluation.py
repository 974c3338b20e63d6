"""How a water-quality detector is judged: the GECCO 2018 challenge's per-minute metric,
events found, delays and false-alarm minutes, under blocked cross-validation.

Blocked CV: the series is cut into `n_blocks` contiguous blocks; each fold calibrates on
the other blocks and scores the held-out one. Contiguous blocks (not shuffled minutes)
because neighbouring minutes are nearly copies of each other: a shuffled split would
score a detector on minutes it has, in effect, already seen.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    """Per-minute figures of one flagged series against the labels."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    events: int
    found: int
    median_delay: float  # minutes from an event's first minute to its first flag (found ones)
    false_alarm_minutes: int  # flagged minutes outside every labelled event (= fp)

    def row(self) -> str:
        delay = "-" if self.median_delay != self.median_delay else f"{self.median_delay:.0f}"
        return (f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
                f"eventos {self.found}/{self.events} atraso {delay} min "
                f"alarme falso {self.false_alarm_minutes} min")


def events(y: np.ndarray) -> list[tuple[int, int]]:
    """[(first row, one past the last row)] of each run of True."""
    d = np.diff(np.r_[0, np.asarray(y, dtype=int), 0])
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(),
                    strict=True))


def score(flag: np.ndarray, y: np.ndarray) -> Scores:
    """Per-minute precision / recall / F1 (the challenge's metric) and event figures."""
    flag = np.asarray(flag, dtype=bool)
    y = np.asarray(y, dtype=bool)
    tp = int((flag & y).sum())
    fp = int((flag & ~y).sum())
    fn = int((~flag & y).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    delays: list[int] = []
    evs = events(y)
    for a, b in evs:
        hit = np.flatnonzero(flag[a:b])
        if hit.size:
            delays.append(int(hit[0]))
    med = float(statistics.median(delays)) if delays else float("nan")
    return Scores(p, r, f, tp, fp, fn, len(evs), len(delays), med, fp)


def blocks(n: int, n_blocks: int = 5) -> list[slice]:
    """`n_blocks` contiguous slices covering range(n)."""
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def folds(n: int, n_blocks: int = 5) -> Iterator[tuple[int, np.ndarray, slice]]:
    """(fold number, boolean mask of the calibration rows, held-out slice)."""
    for i, held in enumerate(blocks(n, n_blocks)):
        train = np.ones(n, dtype=bool)
        train[held] = False
        yield i, train, held


@dataclass(frozen=True)
class CVResult:
    """Each fold's scores on its held-out block, plus what was chosen on its training part."""

    folds: list[Scores]
    chosen: list[dict]

    @property
    def mean_f1(self) -> float:
        return float(np.mean([f.f1 for f in self.folds]))

    @property
    def min_f1(self) -> float:
        return float(min(f.f1 for f in self.folds))

    def mean(self, attr: str) -> float:
        vals = [getattr(f, attr) for f in self.folds]
        vals = [v for v in vals if v == v]
        return float(np.mean(vals)) if vals else float("nan")

    def pooled_delay(self) -> float:
        """Median delay over the folds (the median of the folds' medians)."""
        vals = [f.median_delay for f in self.folds if f.median_delay == f.median_delay]
        return float(statistics.median(vals)) if vals else float("nan")

    def table(self, title: str) -> str:
        lines = [f"{title}"]
        for i, (s, c) in enumerate(zip(self.folds, self.chosen, strict=True)):
            lines.append(f"  dobra {i + 1}: {s.row()}  [{_fmt_chosen(c)}]")
        lines.append(f"  média : P={self.mean('precision'):.3f} R={self.mean('recall'):.3f} "
                     f"F1={self.mean_f1:.3f} (min {self.min_f1:.3f}) eventos "
                     f"{sum(f.found for f in self.folds)}/{sum(f.events for f in self.folds)} "
                     f"atraso mediano {self.pooled_delay():.0f} min alarme falso "
                     f"{sum(f.false_alarm_minutes for f in self.folds)} min")
        return "\n".join(lines)


def _fmt_chosen(c: dict) -> str:
    return " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in c.items())


def blocked_cv(n: int, y: np.ndarray,
               fit_predict: Callable[[np.ndarray, slice], tuple[np.ndarray, dict]],
               n_blocks: int = 5) -> CVResult:
    """Run `fit_predict(train_mask, held)` per fold: it calibrates on the rows of
    `train_mask` only and returns (flags for the held-out rows, what it chose)."""
    out, chosen = [], []
    for _i, train, held in folds(n, n_blocks):
        flag, info = fit_predict(train, held)
        out.append(score(flag, y[held]))
        chosen.append(info)
    return CVResult(out, chosen)


def alarm(score: np.ndarray, *, on: float, off: float | None = None, k_on: int = 1,
          k_off: int = 1) -> np.ndarray:
    """The same persistence rule as telemetry.detection.alarm_mask (k_on rows above `on`
    raise it, k_off rows below `off` clear it, NaN rows change nothing), in numpy: the
    calibration grids call it hundreds of times on 100,000-row series."""
    s = np.asarray(score, dtype=float)
    off = on if off is None else off
    out = np.zeros(len(s), dtype=bool)
    valid = np.flatnonzero(~np.isnan(s))
    if valid.size == 0:
        return out
    v = s[valid]
    idx = np.arange(v.size)

    def runs(a: np.ndarray) -> np.ndarray:
        last_false = np.maximum.accumulate(np.where(~a, idx, -1))
        return idx - last_false

    on_at = np.flatnonzero(runs(v > on) >= k_on)
    off_at = np.flatnonzero(runs(v < off) >= k_off)
    state = np.zeros(v.size, dtype=bool)
    pos = 0
    while True:
        i = np.searchsorted(on_at, pos)
        if i >= on_at.size:
            break
        a = on_at[i]
        j = np.searchsorted(off_at, a, side="right")
        b = off_at[j] if j < off_at.size else v.size
        state[a:b] = True
        pos = b + 1
        if b >= v.size:
            break
    # NaN rows keep the state of the row before them
    filled = np.zeros(len(s), dtype=np.int64)
    filled[valid] = valid
    filled = np.maximum.accumulate(np.where(np.isnan(s), 0, filled))
    out[:] = False
    first = valid[0]
    full = np.zeros(len(s), dtype=bool)
    full[valid] = state
    out[first:] = full[filled[first:]]
    return out
