"""The simulated plant: daily patterns and injected events (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import fmt
from telemetry.demo.sim_model import Plant, demand_factor, demand_integral, peak_tariff
from telemetry.demo.tags import TAGS, by_name


def at(hour, minute=0):
    return dt.datetime(2026, 3, 10, hour, minute, tzinfo=fmt.zone()).astimezone(dt.UTC)


def test_demand_has_a_night_minimum_and_daytime_peaks():
    night = min(demand_factor(h / 4) for h in range(0, 6 * 4))
    day = max(demand_factor(h / 4) for h in range(8 * 4, 21 * 4))
    assert night < 0.6 < 1.25 < day
    assert 2 <= min(range(24), key=demand_factor) <= 5  # minimum in the small hours
    mean = sum(demand_factor(h / 10) for h in range(240)) / 240
    assert mean == pytest.approx(1.0, abs=0.01)
    assert demand_integral(0) == pytest.approx(demand_integral(24), abs=1e-9)  # levels cycle daily


def test_daily_patterns():
    p = Plant(noise=False)
    night, noon = p.sample(at(3, 30)), p.sample(at(11))
    assert night["SET-01.VAZAO"][0] < 0.6 * noon["SET-01.VAZAO"][0]
    assert night["SET-01.PRESSAO"][0] > noon["SET-01.PRESSAO"][0]  # pressure against demand
    levels = [p.sample(at(h))["RES-01.NIVEL"][0] for h in range(24)]
    assert max(levels) - min(levels) > 1.0  # fills at night, empties by day
    assert levels.index(max(levels)) < levels.index(min(levels))
    assert peak_tariff(19.0) and p.sample(at(19))["EEA-01.BOMBA"][0] == 0.0
    assert p.sample(at(10))["EEA-01.BOMBA"][0] == 1.0
    assert 7.0 < noon["ETA-01.PH_SAIDA"][0] < 7.2
    for tag in TAGS:
        v = noon[tag.name][0]
        assert tag.lo <= v <= tag.hi, tag.name


def test_events():
    p = Plant(noise=False)
    t0 = at(10)
    base = p.sample(t0)
    p.inject("rompimento", "SET-02", t0, dt.timedelta(minutes=30))
    p.inject("turbidez", "ETA-01", t0)
    p.inject("cloro", "RES-03", t0)
    p.inject("comunicacao", "SET-05.PRESSAO", t0)
    p.inject("parada_eta", "ETA-01", t0)
    s = p.sample(t0 + dt.timedelta(minutes=15))
    assert s["SET-02.PRESSAO"][0] < 0.5 * base["SET-02.PRESSAO"][0]
    assert s["SET-02.VAZAO"][0] > 1.5 * base["SET-02.VAZAO"][0]
    assert s["SET-01.PRESSAO"][0] == pytest.approx(base["SET-01.PRESSAO"][0], rel=0.05)
    assert s["ETA-01.TURBIDEZ_SAIDA"][0] > 4
    assert s["RES-03.CLORO"][0] < 0.2 and s["ETA-01.CLORO_SAIDA"][0] > 1
    assert s["SET-05.PRESSAO"] is None
    assert s["ETA-01.VAZAO_SAIDA"][0] < 2 and s["CAP-01.VAZAO"][0] < 2
    after = p.sample(t0 + dt.timedelta(minutes=45))  # the burst was for 30 min
    assert after["SET-02.PRESSAO"][0] > 0.9 * base["SET-02.PRESSAO"][0]
    assert p.clear(at=t0 + dt.timedelta(hours=1)) == 4 and p.sample(t0 + dt.timedelta(hours=2))["SET-05.PRESSAO"] is not None


def test_stuck_sensor_repeats_its_last_value():
    p = Plant()
    t = at(9)
    last = p.sample(t)["SET-03.VAZAO"][0]
    p.inject("travado", "SET-03.VAZAO", t)
    vals = {p.sample(t + dt.timedelta(minutes=m))["SET-03.VAZAO"][0] for m in range(1, 30)}
    assert vals == {last}


def test_inject_rejects_unknown_kinds_and_targets():
    p = Plant()
    with pytest.raises(ValueError):
        p.inject("terremoto", "SET-01", at(1))
    with pytest.raises(ValueError):
        p.inject("cloro", "SET-99", at(1))
    assert set(by_name()) == {t.name for t in TAGS}


def test_direct_feeder_writes_every_tag_to_the_store(db):
    from telemetry.demo.scada import DirectFeeder, _current
    from telemetry.storage import SqlStorage

    feeder = DirectFeeder(SqlStorage(), Plant(seed=1), tick_s=10)
    try:
        t = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
        assert feeder.step(t) == len(TAGS)
        feeder.plant.inject("comunicacao", "SET-01", t)
        assert feeder.step(t + dt.timedelta(seconds=10)) == len(TAGS) - 2
        assert SqlStorage().count(since=t) == 2 * len(TAGS) - 2
    finally:
        _current.pop("plant", None)
