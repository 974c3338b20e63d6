"""Consumption between two meter readings, and the average the bill falls back on."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal


def consumption_between(previous: int | None, current: int, *, digits_on_dial: int = 6,
                        rollover: bool = False) -> int:
    """m3 consumed between two readings; `rollover` when the dial turned past 999999."""
    if previous is None:
        return 0
    if current >= previous:
        return current - previous
    if rollover:
        return 10**digits_on_dial - previous + current
    raise ValueError("leitura atual menor que a anterior")


def average(values: Iterable[int]) -> int:
    vals = [v for v in values if v is not None]
    if not vals:
        return 0
    return int((Decimal(sum(vals)) / len(vals)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
