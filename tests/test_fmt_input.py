"""core.fmt readers of what a person typed in a form."""

from __future__ import annotations

import pytest

from core import fmt


@pytest.mark.parametrize(("typed", "expected"), [
    ("1", 1), ("28", 28), (12, 12), (" 7 ", 7),
    ("0", None), ("29", None), ("", None), (None, None), ("2,5", None), ("dez", None),
])
def test_whole_in_takes_a_whole_number_inside_the_range(typed: object, expected: int | None) -> None:
    assert fmt.whole_in(typed, 1, 28) == expected
