"""Quality-control rules, pure: the QC samples' acceptance (blank, duplicate, reference
material) and the control chart's statistics (Shewhart limits from history, Westgard rules).

Westgard rules over a series of control values with mean m and standard deviation s
(z = (x - m) / s), each reported at the point that completes the pattern:
  1-3s  one value beyond m ± 3s                                   (rejection)
  2-2s  two consecutive values beyond m + 2s, or both beyond m - 2s (rejection)
  R-4s  two consecutive values 4s apart, one above +2s and one below -2s (rejection)
  4-1s  four consecutive values beyond m + 1s, or all beyond m - 1s (rejection)
  10x   ten consecutive values on the same side of the mean        (rejection)
  1-2s  one value beyond m ± 2s                                    (warning only)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

BASELINE = 20  # points that set the limits (the chart's history, before what it judges)
MIN_POINTS = 5


@dataclass(frozen=True)
class ChartLimits:
    mean: float
    sd: float
    n: int  # points the limits came from

    @property
    def warning(self) -> tuple[float, float]:
        return self.mean - 2 * self.sd, self.mean + 2 * self.sd

    @property
    def action(self) -> tuple[float, float]:
        return self.mean - 3 * self.sd, self.mean + 3 * self.sd


@dataclass(frozen=True)
class Violation:
    index: int
    rule: str  # "1-3s", "2-2s", "R-4s", "4-1s", "10x", "1-2s"
    text: str  # pt-BR

    @property
    def rejects(self) -> bool:
        return self.rule != "1-2s"


RULE_TEXT = {
    "1-3s": "um valor além de 3 desvios-padrão",
    "2-2s": "dois valores seguidos além de 2 desvios-padrão do mesmo lado",
    "R-4s": "dois valores seguidos a mais de 4 desvios-padrão um do outro",
    "4-1s": "quatro valores seguidos além de 1 desvio-padrão do mesmo lado",
    "10x": "dez valores seguidos do mesmo lado da média",
    "1-2s": "um valor além de 2 desvios-padrão (alerta)",
}


def limits(values: Sequence[float], baseline: int = BASELINE) -> ChartLimits | None:
    """Mean and standard deviation of the first `baseline` values (all, when fewer); None
    when there are too few values or no spread."""
    base = [v for v in values[:baseline] if v is not None and math.isfinite(v)]
    if len(base) < MIN_POINTS:
        return None
    sd = statistics.stdev(base)
    if sd <= 0:
        return None
    return ChartLimits(statistics.fmean(base), sd, len(base))


def _run(zs: Sequence[float], i: int, n: int, test) -> bool:  # type: ignore[no-untyped-def]
    return i + 1 >= n and all(test(z) for z in zs[i + 1 - n: i + 1])


def westgard(values: Sequence[float], lim: ChartLimits) -> list[Violation]:
    """Every rule each point completes, in order (a point may break several)."""
    zs = [(v - lim.mean) / lim.sd for v in values]
    out: list[Violation] = []
    for i, z in enumerate(zs):
        found = []
        if abs(z) > 3:
            found.append("1-3s")
        if _run(zs, i, 2, lambda x: x > 2) or _run(zs, i, 2, lambda x: x < -2):
            found.append("2-2s")
        if i >= 1 and max(z, zs[i - 1]) > 2 and min(z, zs[i - 1]) < -2:
            found.append("R-4s")
        if _run(zs, i, 4, lambda x: x > 1) or _run(zs, i, 4, lambda x: x < -1):
            found.append("4-1s")
        if _run(zs, i, 10, lambda x: x > 0) or _run(zs, i, 10, lambda x: x < 0):
            found.append("10x")
        if not found and abs(z) > 2:
            found.append("1-2s")
        out += [Violation(i, r, RULE_TEXT[r]) for r in found]
    return out


# -- acceptance of the QC samples of one worksheet -------------------------------------------------

def blank_ok(value: Decimal | None, below_limit: bool, limit: Decimal | None) -> bool:
    """A blank passes when read "< LD"/"< LQ" or below the limit (LD or LQ of the method)."""
    if below_limit or value is None:
        return True
    return limit is not None and value < limit


def relative_difference(a: Decimal, b: Decimal) -> Decimal | None:
    """|a - b| as a percentage of the pair's mean (RPD); None when the mean is zero."""
    mean = (a + b) / 2
    if mean == 0:
        return None if a == b else Decimal("200")
    return abs(a - b) / mean * 100


def reference_ok(value: Decimal | None, certified: Decimal, tolerance: Decimal) -> bool:
    return value is not None and abs(value - certified) <= tolerance
