"""CSV replay (the GECCO 2018 feed) into the embedded store."""

from __future__ import annotations

import datetime as dt

import pytest

from telemetry.demo.control import read_csv_rows, replay_csv
from telemetry.storage import SqlStorage
from tests.conftest import GECCO, GECCO_MISSING


@pytest.mark.skipif(not GECCO.exists(), reason=GECCO_MISSING)
def test_replay_gecco_rows_into_the_store(db):
    rows = list(zip(range(3), read_csv_rows(GECCO), strict=False))
    assert {"Tp", "Cl", "pH", "Redox", "Leit", "Trueb", "Cl_2", "Fm", "Fm_2"} >= set(rows[0][1][1])
    assert "EVENT" not in rows[0][1][1]
    start = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    store = SqlStorage()
    n = replay_csv(GECCO, limit=120, start=start, store=store, sleep=False)
    assert n > 120 * 5
    ph = store.read_window("GECCO.pH", start, start + dt.timedelta(hours=3))
    assert len(ph) == 120 and ph[0].ts == start
    assert ph[1].ts - ph[0].ts == dt.timedelta(minutes=1)  # the file's spacing is kept
    assert all(6 < r.value < 9 for r in ph)
