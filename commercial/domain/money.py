"""Money is Decimal rounded half-up to the cent (Python's round() is banker's rounding: it
turns the tender's R$ 33,825 into 33,82 instead of 33,83). Text for people: core.fmt.money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def positive_amount(typed: Any) -> Decimal | None:
    """An amount a person typed ("12,50" or "12.50") to the cent; None unless it is a number
    above zero."""
    try:
        value = money(Decimal(str(typed).replace(",", ".")))
        return value if value > 0 else None
    except (ArithmeticError, ValueError):  # not a number, NaN or infinite
        return None
