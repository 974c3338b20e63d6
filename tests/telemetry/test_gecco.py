"""The multivariate water-quality detector on real plant data (GECCO 2018, two weeks).

Goes through the same path as the monitor: readings per tag -> `detection.water_quality`
-> findings, then scores the findings per minute against the operator's EVENT labels.
The threshold is the one bench/telemetry_detection.py calibrates on the first half of the
feed (10.8 robust deviations, 2 minutes of persistence); this slice lies in both halves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from telemetry import detection as d
from telemetry.connectors.base import Reading
from tests.conftest import GECCO, GECCO_MISSING

DATA = GECCO
SLICE = slice(60_000, 80_000)  # 2016-09-13 .. 2016-09-27: 30 labelled events of 4 kinds
COLS = ["Cl", "pH", "Redox", "Leit", "Trueb", "Cl_2"]
RESOLUTION = {"Cl": 0.01, "pH": 0.01, "Redox": 1.0, "Leit": 1.0, "Trueb": 0.001, "Cl_2": 0.001}


@pytest.fixture(scope="module")
def gecco():
    if not DATA.exists():
        pytest.skip(GECCO_MISSING)
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from telemetry_detection import FEATURES, load

    x, y, stamps = load(DATA, limit=SLICE.stop)
    x, y, stamps = x[SLICE], y[SLICE], stamps[SLICE]
    t0 = dt.datetime.fromisoformat(stamps[0]).replace(tzinfo=dt.UTC)
    series = {}
    for c in COLS:
        j = FEATURES.index(c)
        series[c] = [Reading(c, t0 + dt.timedelta(minutes=i), float(v))
                     for i, v in enumerate(x[:, j]) if v == v]
    return series, y, t0


def test_water_quality_on_gecco_slice(gecco):
    series, y, t0 = gecco
    n = len(y)
    end = t0 + dt.timedelta(minutes=n)
    found = d.water_quality(series, start=t0, end=end, step_s=60, baseline_s=720 * 60,
                            refresh_s=600, threshold=10.8, k_on=2, min_scale=RESOLUTION)
    flag = np.zeros(n, dtype=bool)
    for f in found:
        a = int((f.start - t0).total_seconds() // 60)
        b = n if f.end is None else int((f.end - t0).total_seconds() // 60)
        flag[a:b] = True
    tp = int((flag & y).sum())
    fp = int((flag & ~y).sum())
    fn = int((~flag & y).sum())
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"GECCO fatia: {len(found)} eventos, P={precision:.2f} R={recall:.2f} F1={f1:.2f}")
    assert f1 >= 0.6, (precision, recall)
    assert precision >= 0.5
    assert all(f.kind == "qualidade" and f.evidence["drivers"] for f in found)
