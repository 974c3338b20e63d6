"""Every page passes axe-core's WCAG 2.1 A/AA rules at 1366 px, over the demo (the walk and its
rules: axe_walk.py; the other width has its own file, so the two can run on two workers)."""

from __future__ import annotations

import pytest

from tests.a11y.axe_walk import every_page_passes_axe, live_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(app, demo_engine):  # type: ignore[no-untyped-def]
    with live_demo(app, demo_engine) as srv:
        yield srv


def test_every_page_passes_axe_wcag21_aa_at_1366px(app, live):  # type: ignore[no-untyped-def]
    every_page_passes_axe(app, live, "1366")
