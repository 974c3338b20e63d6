"""Measurement uncertainty in verdicts (ISO/IEC 17025 7.8.6): the expanded uncertainty of a
value from its method's ranges, and the guard-band decision rule. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from lims.domain.limits import ScopedLimit, check_all
from lims.domain.vmp import Check, Measurement, Qualifier, Verdict

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Range:
    """One concentration range of a method: [low, high] (high None: no upper end), with its
    expanded uncertainty as an absolute value (`u_abs`) or a percentage of the value (`u_rel`)."""

    low: Decimal
    high: Decimal | None
    u_abs: Decimal | None = None
    u_rel: Decimal | None = None

    def covers(self, value: Decimal) -> bool:
        return self.low <= value and (self.high is None or value <= self.high)

    def expanded(self, value: Decimal) -> Decimal | None:
        if self.u_abs is not None:
            return abs(self.u_abs)
        if self.u_rel is not None:
            return abs(value) * self.u_rel / HUNDRED
        return None


def expanded_uncertainty(value: Decimal | None, ranges: Iterable[Range]) -> Decimal | None:
    """U of `value` from the first range that covers it; None for a censored or qualitative
    result (no value) or a value outside every range."""
    if value is None:
        return None
    for r in sorted(ranges, key=lambda r: r.low):
        if r.covers(value):
            u = r.expanded(value)
            return None if u is None else two_significant(u)
    return None


def two_significant(u: Decimal) -> Decimal:
    """U reported with two significant digits, rounded up (GUM 7.2.6; rounding an uncertainty
    down would understate it): 0.4812 -> 0.49, 0.01234 -> 0.013, 12.3 -> 13."""
    if not u:
        return u
    q = u.quantize(Decimal(1).scaleb(u.adjusted() - 1), rounding=ROUND_UP)
    return q.quantize(Decimal(1)) if q.as_tuple().exponent > 0 else q  # type: ignore[operator]


def ranges_overlap(ranges: Iterable[Range]) -> bool:
    """True when two ranges of one method overlap (a value would have two uncertainties)."""
    rs = sorted(ranges, key=lambda r: r.low)
    return any(a.high is None or a.high > b.low for a, b in zip(rs, rs[1:], strict=False))


def guard_band(check: Check, m: Measurement, limits: tuple[ScopedLimit, ...], u: Decimal | None,
               unit: str = "") -> Check:
    """The verdict under the guard-band rule (w = U): a value is conforming only when it stays
    conforming moved by U towards each limit; otherwise non-conforming, with the reason.
    A result without a value or without U keeps the simple verdict."""
    if u is None or not u or m.value is None or m.qualifier is not Qualifier.NONE:
        return check
    if check.verdict is not Verdict.CONFORMING:
        return check
    for moved in (m.value + u, m.value - u):
        c = check_all(Measurement(value=moved, qualifier=m.qualifier, ld=m.ld, lq=m.lq), limits,
                      unit)
        if c.verdict is Verdict.NONCONFORMING:
            return Check(Verdict.NONCONFORMING,
                         f"{c.reason} considerando a incerteza expandida (banda de guarda)")
    return check
