"""The axe walk's live server over the demo (one per test file: each width is its own file)."""

from __future__ import annotations

import pytest

from tests.a11y.axe_walk import live_demo


@pytest.fixture(scope="module")
def live(app, demo_engine):  # type: ignore[no-untyped-def]
    with live_demo(app, demo_engine) as srv:
        yield srv
