"""Every page passes axe-core's WCAG 2.1 A/AA rules at 390 px, over the demo (the walk and its
rules: axe_walk.py; each width has its own file, so the two can run on two workers)."""

from __future__ import annotations

import pytest

from tests.a11y.axe_walk import every_page_passes_axe

pytestmark = pytest.mark.browser


def test_every_page_passes_axe_wcag21_aa_at_390px(app, live):  # type: ignore[no-untyped-def]
    every_page_passes_axe(app, live, "390")
