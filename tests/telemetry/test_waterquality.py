"""The second quality detector, the supervised model and their evaluation, on small
synthetic plant data (pure functions: no database; models trained small, in seconds).

The real-data figures (GECCO 2018, blocked CV) come from bench/telemetry_detection.py,
which reads ../shared/data/gecco2018/train.csv.gz; tests/telemetry/test_gecco.py uses the
same file and skips when it is absent."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from telemetry.connectors.base import Reading
from telemetry.detection import alarm_mask, robust_scores
from telemetry.detection.registry import validate_config
from telemetry.waterquality import drift, live, robust, training
from telemetry.waterquality import evaluation as ev
from telemetry.waterquality import model as wq

BASE = 120  # rows of reference in these tests (12 h in production)


def _plant(n: int = 3000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.column_stack([0.8 + 0.01 * rng.standard_normal(n),  # chlorine
                         7.2 + 0.01 * rng.standard_normal(n),  # pH
                         0.30 + 0.005 * rng.standard_normal(n)])  # turbidity
    return np.round(x, 4)


def test_per_minute_metric_events_and_blocks():
    y = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0, 0], dtype=bool)
    flag = np.array([0, 0, 1, 1, 1, 0, 0, 0, 0, 1], dtype=bool)
    s = ev.score(flag, y)
    assert (s.tp, s.fp, s.fn) == (2, 2, 3)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.4)
    assert (s.events, s.found, s.median_delay, s.false_alarm_minutes) == (2, 1, 1.0, 2)
    assert ev.events(y) == [(1, 4), (6, 8)]
    bl = ev.blocks(103, 5)
    assert bl[0].start == 0 and bl[-1].stop == 103 and len(bl) == 5
    for _i, train, held in ev.folds(103, 5):
        assert not train[held].any() and train.sum() == 103 - (held.stop - held.start)


def test_a_long_event_is_not_absorbed_by_the_reference():
    """A shift that lasts longer than half the reference: the old reference learns it (the
    median moves, the score sinks back); the frozen one keeps alarming to the end."""
    x = _plant(1200)
    x[400:700, 0] -= 0.08  # chlorine 8 sigma down for 300 minutes (reference: 120)
    old, _ = robust_scores(x, baseline=BASE, refresh=10, min_scale=[0.001] * 3)
    old_flag = alarm_mask(old, on=6, k_on=2)
    p = robust.RobustParams(baseline=BASE, refresh=10, freeze=6, threshold=6, k_on=2, k_off=3,
                            off_ratio=0.7, min_scale=[0.001] * 3, max_freeze=600)
    new_flag = robust.flags(robust.scores(x, p).score, p)
    assert old_flag[400:700].mean() < 0.6  # fails before: the reference absorbed the event
    assert new_flag[405:700].mean() > 0.95
    assert not new_flag[720:].any()  # and it clears when the event ends


def test_scale_band_spikes_and_combined_signals():
    x = _plant(800)
    p = robust.RobustParams(baseline=BASE, threshold=6.0, k_on=1, k_off=1, min_scale=[0.001] * 3,
                            spike=[1, 1, 3])
    # a one-minute turbidity spike is filtered for turbidity (spike=3), not without it
    x[500, 2] += 0.2
    assert not robust.flags(robust.scores(x, p).score, p)[495:510].any()
    raw = robust.RobustParams(**{**p.__dict__, "spike": [1, 1, 1]})
    assert robust.flags(robust.scores(x, raw).score, raw)[495:510].any()
    # chlorine and pH at ~4.5 sigma each: neither alone passes 6, together they do
    y = _plant(800, seed=1)
    y[600:620, 0] -= 0.045
    y[600:620, 1] += 0.045
    st = robust.scores(y, p)
    single = np.nanmax(np.abs(st.z[600:620]), axis=1)
    assert np.median(single) < 6 and (single > 6).mean() < 0.2  # one signal alone: mostly not
    assert robust.flags(st.score, p)[600:620].mean() > 0.6
    # a scale cannot drift far from the long-run scale: a noisy reference is clipped
    z = _plant(800, seed=2)
    z[200:400, 0] += 0.05 * np.random.default_rng(3).standard_normal(200)
    banded = robust.RobustParams(**{**p.__dict__, "long_scale": [0.01, 0.01, 0.005], "band": 2})
    assert np.nanmax(robust.scores(z, banded).scale[:, 0]) <= 0.02 + 1e-12


def test_calibrate_chooses_on_the_rows_given():
    x = _plant(1500)
    y = np.zeros(1500, dtype=bool)
    for a in (300, 800, 1200):
        x[a:a + 30, 2] += 0.05
        y[a:a + 30] = True
    p = robust.RobustParams(baseline=BASE, min_scale=[0.001] * 3)
    s = robust.scores(x, p).score
    rows = np.zeros(1500, dtype=bool)
    rows[:1000] = True
    q, f1 = robust.calibrate(s, y, rows, p)
    assert f1 > 0.8 and q.threshold > 0
    assert ev.score(robust.flags(s, q)[1000:], y[1000:]).f1 > 0.8


def _ramps(n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """pH climbing steadily (0.01 a minute, 1 sigma) for 25 minutes, then back: the GECCO
    file's fourth-block events in miniature."""
    x = _plant(n, seed=5)
    y = np.zeros(n, dtype=bool)
    for a in range(400, n - 100, 400):
        x[a:a + 25, 1] += 0.01 * np.arange(1, 26)
        y[a:a + 25] = True
    return x, y


def test_drift_score_finds_a_steady_walk_early():
    x, y = _ramps()
    floor = np.array([0.01] * 3)  # the sensors' resolution (here: their noise)
    t = drift.trend_t(x, 8, floor)
    # the t-statistic is the least-squares slope over its standard error
    k = 1000 + 410
    tau = np.arange(8)
    seg = x[k - 7:k + 1, 1]
    b, a = np.polyfit(tau, seg, 1)
    sd = max(np.sqrt(((seg - (a + b * tau)) ** 2).sum() / 6), 0.01)
    assert t[k, 1] == pytest.approx(b * np.sqrt(((tau - 3.5) ** 2).sum()) / sd)
    assert np.isnan(t[:7]).all()
    scale = drift.scales(t, ~y)
    assert (drift.score(t, scale)[~y] > 1).mean() < 0.001  # the normal tail, by construction
    # the level score alone sees each walk late; with the drift score, a few minutes in
    p = robust.RobustParams(baseline=BASE, min_scale=[0.01] * 3, k_on=1, k_off=1,
                            off_ratio=1.0, threshold=15.0)
    level = robust.flags(robust.scores(x, p).score, p)
    q = robust.RobustParams(**{**p.__dict__, "trend_gain": 15.0, "trend_window": 8,
                               "trend_scale": [float(v) for v in scale]})
    both = robust.flags(robust.scores(x, q).score, q)
    for a, b in ev.events(y):
        assert np.argmax(level[a:b]) > 10 or not level[a:b].any()
        assert both[a:b].any() and np.argmax(both[a:b]) <= 7
    assert (both & ~y).sum() <= (level & ~y).sum() + 5 * len(ev.events(y))


def test_calibrate_drift_chooses_window_and_gain_on_the_rows_given():
    x, y = _ramps()
    rows = np.zeros(len(y), dtype=bool)
    rows[:2800] = True
    p = robust.RobustParams(baseline=BASE, min_scale=[0.01] * 3)
    q, f1 = robust.calibrate_drift(x, y, rows, p)
    _level, f_level = robust.calibrate(robust.scores(x, p).score, y, rows, p)
    assert f1 >= f_level  # "no drift score" is one of the candidates
    # the chosen params score the rows as the calibration saw them (the detector the
    # monitor runs is the one that was chosen), and survive the tag's JSON
    again = robust.flags(robust.scores(x, q).score, q)
    assert ev.score(again[rows], y[rows]).f1 == pytest.approx(f1)
    assert robust.RobustParams(**q.to_json()).to_json() == q.to_json()
    assert ev.score(again[2800:], y[2800:]).f1 > 0.7


def _labelled(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = _plant(n, seed)
    y = np.zeros(n, dtype=bool)
    for a in rng.choice(np.arange(300, n - 100, 150), size=10, replace=False):
        length = int(rng.integers(15, 40))
        x[a:a + length, 0] -= 0.05
        x[a:a + length, 2] += 0.02
        y[a:a + length] = True
    return x, y


SMALL = wq.ModelParams(max_iter=20, max_leaf_nodes=7, min_samples_leaf=10)
FAST = {"mp": SMALL, "n_blocks": 3, "inner_blocks": 2}  # small and quick: 2 cores, shared


def test_supervised_model_cross_validated_saved_loaded_and_guarded(tmp_path):
    x, y = _labelled()
    base = robust.RobustParams(baseline=BASE)
    result = training.retrain(x, y, ["CL", "PH", "TURB"], tmp_path, base=base, **FAST)
    assert result.saved is not None and result.cv.mean_f1 > 0.7
    assert len(result.cv.folds) == 3
    card = json.loads(result.saved.read_text())
    assert card["version"] == 1 and card["data_sha256"] == wq.data_hash(x, y)
    assert card["cv"]["mean_f1"] == pytest.approx(result.cv.mean_f1, abs=1e-4)
    assert len(card["cv"]["folds"]) == 3 and 0 < card["alarm"]["threshold"] < 1
    m = wq.load(tmp_path)
    again, _ = m.flags(x)
    assert ev.score(again, y).f1 > 0.7
    # a worse training set (labels shuffled in time) does not replace the better model
    worse = np.roll(y, 700)
    refused = training.retrain(x, worse, ["CL", "PH", "TURB"], tmp_path, base=base, **FAST)
    assert refused.saved is None and "recusado" in refused.message
    assert wq.versions(tmp_path) == [1]
    forced = training.retrain(x, worse, ["CL", "PH", "TURB"], tmp_path, base=base, force=True,
                              **FAST)
    assert forced.saved is not None and wq.versions(tmp_path) == [1, 2]


def test_live_detector_runs_each_method_on_readings(tmp_path):
    x, y = _labelled(seed=4)
    training.retrain(x, y, ["CL", "PH", "TURB"], tmp_path, base=robust.RobustParams(baseline=BASE),
                     **FAST)
    t0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    n = 1000
    window = x[:n]
    series = {name: [Reading(name, t0 + dt.timedelta(minutes=i), float(window[i, j]))
                     for i in range(n)] for j, name in enumerate(["CL", "PH", "TURB"])}
    end = t0 + dt.timedelta(minutes=n)
    events = ev.events(y[:n])
    assert events
    for method in ("robusto", "modelo", "indice"):
        found = live.detect(series, start=t0, end=end, method=method, baseline_s=BASE * 60,
                            model_dir=str(tmp_path), threshold=6 if method != "modelo" else None)
        assert found, method
        assert all(f.kind == "qualidade" for f in found)
        starts = [int((f.start - t0).total_seconds() // 60) for f in found]
        hit = sum(any(a - 3 <= s <= b for s in starts) for a, b in events if a >= BASE)
        assert hit >= 1, method
    with pytest.raises(ValueError):
        live.detect({"CL": series["CL"]}, start=t0, end=end, method="modelo",
                    baseline_s=BASE * 60, model_dir=str(tmp_path))


def test_numpy_alarm_is_the_monitors_persistence_rule():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 200))
        s = rng.normal(5, 3, n)
        s[rng.random(n) < 0.2] = np.nan
        on = float(rng.uniform(3, 8))
        kw = {"on": on, "off": on * float(rng.choice([1, 0.7, 0.5])),
              "k_on": int(rng.integers(1, 4)), "k_off": int(rng.integers(1, 5))}
        assert (ev.alarm(s, **kw) == alarm_mask(s, **kw)).all(), kw


def test_live_robusto_runs_the_drift_score_from_the_tag_config():
    x, y = _ramps(1600)
    names = ["CL", "PH", "TURB"]
    t0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    series = {name: [Reading(name, t0 + dt.timedelta(minutes=i), float(x[i, j]))
                     for i in range(len(y))] for j, name in enumerate(names)}
    scale = drift.scales(drift.trend_t(x, 8, np.array([0.01] * 3)), ~y)
    cfg = {"method": "robusto", "threshold": 15, "k_on": 1, "k_off": 1, "off_ratio": 1.0,
           "trend_gain": 15.0, "trend_window": 8,
           "trend_scale": {n: float(scale[j]) for j, n in enumerate(names)},
           "min_scale": dict.fromkeys(names, 0.01)}
    assert validate_config({"qualidade": cfg}) == {}
    assert validate_config({"qualidade": {**cfg, "trend_scale": 3}}) == {
        "qualidade": ["trend_scale deve ser {tag: número}."]}
    end = t0 + dt.timedelta(minutes=len(y))
    kw = {k: v for k, v in cfg.items() if k != "method"}
    found = live.detect(series, start=t0, end=end, method="robusto", baseline_s=BASE * 60, **kw)
    level = live.detect(series, start=t0, end=end, method="robusto", baseline_s=BASE * 60,
                        **{**kw, "trend_gain": 0.0})
    def delays(fs):
        starts = [int((f.start - t0).total_seconds() // 60) for f in fs]
        return [min((s - a for s in starts if a <= s < b), default=99) for a, b in ev.events(y)]
    assert max(delays(found)) <= 7 < min(delays(level))
    # the same window asked again (another tag of the plant hosting the same detector):
    # the same answer, remembered, as copies the caller may change
    again = live.detect(series, start=t0, end=end, method="robusto", baseline_s=BASE * 60, **kw)
    assert again == found and again[0] is not found[0]
    series["PH"] = series["PH"][:-1]  # a different window is not answered from memory
    fewer = live.detect(series, start=t0, end=end, method="robusto", baseline_s=BASE * 60, **kw)
    assert fewer is not None and live._key(series, t0, end, kw) != live._key(
        {**series, "PH": [*series["PH"], Reading("PH", end, 7.2)]}, t0, end, kw)
