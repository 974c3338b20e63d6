"""What the SVG figures share: stable element ids, round scale steps, pt-BR tick labels."""

from __future__ import annotations

import hashlib
import math

from core import fmt

NS = 'xmlns="http://www.w3.org/2000/svg"'


def uid(*parts: object) -> str:
    """A stable element id (same page, same bytes: ETags and caches keep working)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def nice_step(span: float, steps: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so that `steps` steps cover `span`."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / steps
    mag = 10 ** math.floor(math.log10(raw))
    return next((m * mag for m in (1, 2, 2.5, 5) if raw <= m * mag), 10 * mag)


def places(step: float) -> int:
    """Decimal places that tell ticks `step` apart (0,25 -> 2; 0,5 -> 1; 5 -> 0), at most 4."""
    return next((p for p in range(5) if abs(step * 10 ** p - round(step * 10 ** p)) < 1e-9), 4)


def number(value: float, decimals: int | None) -> str:
    """pt-BR number for a figure (core.fmt: one formatter for the whole application)."""
    return fmt.number(round(value, 9), decimals)
