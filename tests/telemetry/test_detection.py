"""The detectors on synthetic windows: pure functions, table-driven."""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pytest

from telemetry import detection as d
from telemetry.connectors.base import Reading

T0 = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def series(values, step=MIN, start=T0, tag="X", quality=None):
    """Readings every `step`; None in values = no reading; quality: {index: "bad"}."""
    quality = quality or {}
    return [Reading(tag, start + i * step, float(v), quality.get(i, "good"))
            for i, v in enumerate(values) if v is not None]


def at(i, step=MIN):
    return T0 + i * step


# --------------------------------------------------------------------------- threshold


@pytest.mark.parametrize(
    "values, params, expected",
    [
        # plain crossing, no delays: starts at the first value above, ends at the first back in
        ([1, 1, 6, 7, 1, 1], {"high": 5}, [(2, 4)]),
        # still above at the end: ongoing
        ([1, 6, 7, 8], {"high": 5}, [(1, None)]),
        # never above
        ([1, 2, 3, 5], {"high": 5}, []),
        # low limit
        ([3, 3, 0.5, 0.4, 3], {"low": 1}, [(2, 4)]),
        # on delay of 2 min: a 1-minute spike does not count, 3 minutes above does
        ([1, 6, 1, 6, 6, 6, 1], {"high": 5, "on_delay_s": 120}, [(3, 6)]),
        # on delay exactly met by the third reading
        ([1, 6, 6, 6], {"high": 5, "on_delay_s": 120}, [(1, None)]),
        # hysteresis: 4.5 is below high but not below high - 1, so the alarm holds
        ([1, 6, 4.5, 4.5, 3.9, 1], {"high": 5, "hysteresis": 1}, [(1, 4)]),
        # off delay: must stay back inside 2 minutes; a dip of 1 min does not clear
        ([6, 1, 6, 1, 1, 1, 1], {"high": 5, "off_delay_s": 120}, [(0, 3)]),
        # two separate episodes
        ([6, 1, 1, 6, 6, 1], {"high": 5}, [(0, 1), (3, 5)]),
        # high and low together
        ([3, 9, 3, 0, 3], {"high": 5, "low": 1}, [(1, 2), (3, 4)]),
        # nothing configured
        ([9, 9], {}, []),
    ],
)
def test_threshold(values, params, expected):
    found = d.threshold(series(values), **params)
    assert [(f.start, f.end) for f in found] == [
        (at(s), None if e is None else at(e)) for s, e in expected]
    assert all(f.kind == "limite" and f.process for f in found)


def test_threshold_critical_and_message():
    [f] = d.threshold(series([1, 6, 12, 6, 1]), high=5, critical_high=10)
    assert f.severity == "critica" and f.value == 12
    assert "acima do limite 5" in f.message
    [f] = d.threshold(series([1, 6, 7, 1]), high=5, critical_high=10, severity="alta")
    assert f.severity == "alta" and f.value == 7
    [f] = d.threshold(series([3, 0.2, 0.1, 3]), low=1)
    assert f.value == pytest.approx(0.1) and "abaixo do limite 1" in f.message


@pytest.mark.parametrize("quality", ["bad", "uncertain"])
def test_threshold_ignores_bad_quality(quality):
    # the spike arrives with bad quality: no alarm; and bad readings do not clear one either
    assert d.threshold(series([1, 99, 99, 1], quality={1: quality, 2: quality}), high=5) == []
    [f] = d.threshold(series([1, 6, 1, 6, 1], quality={2: quality}), high=5)
    assert (f.start, f.end) == (at(1), at(4))


def test_threshold_ignores_nan():
    rs = [Reading("X", at(0), 1.0), Reading("X", at(1), math.nan), Reading("X", at(2), 1.0)]
    assert d.threshold(rs, high=5) == []


# --------------------------------------------------------------------------- rate of change


@pytest.mark.parametrize(
    "values, params, expected",
    [
        ([10, 10, 2, 2, 2, 2, 2, 2, 2, 2], {"max_fall_per_min": 5}, [(1, 2)]),
        ([10, 11, 12, 13], {"max_fall_per_min": 5, "max_rise_per_min": 5}, []),
        ([1, 1, 9, 9, 9, 9, 9, 9, 9], {"max_rise_per_min": 5}, [(1, 2)]),
        # a burst still falling at the end of the window is ongoing
        ([50, 40, 30, 20], {"max_fall_per_min": 5}, [(0, None)]),
        ([1, 9], {}, []),
    ],
)
def test_rate_of_change(values, params, expected):
    found = d.rate_of_change(series(values), merge_gap_s=120, **params)
    assert [(f.start, f.end) for f in found] == [
        (at(s), None if e is None else at(e)) for s, e in expected]


def test_rate_of_change_min_interval_smooths_noise():
    # 1-second readings jittering +-0.5: per-second rates are huge, per-minute ones are not
    rs = series([10 + (0.5 if i % 2 else -0.5) for i in range(300)], step=dt.timedelta(seconds=1))
    assert d.rate_of_change(rs, max_rise_per_min=2, max_fall_per_min=2, min_interval_s=60) == []
    assert d.rate_of_change(rs, max_rise_per_min=2, max_fall_per_min=2) != []


def test_rate_of_change_skips_bad_quality():
    rs = series([10, 10, 0, 10, 10, 10, 10, 10], quality={2: "bad"})
    assert d.rate_of_change(rs, max_fall_per_min=5, max_rise_per_min=5) == []


def test_rate_merges_close_hits():
    vals = [100, 90, 90, 80, 80, 80, 80, 80, 80, 80, 80, 80]
    [f] = d.rate_of_change(series(vals), max_fall_per_min=5, merge_gap_s=300)
    assert f.start == at(0) and f.value == -10
    assert "Queda" in f.message


# --------------------------------------------------------------------------- flatline


@pytest.mark.parametrize(
    "values, params, expected",
    [
        # 70 minutes frozen at 3.2 after some movement, then moving again
        ([1, 2] + [3.2] * 70 + [3.5, 3.6], {"min_duration_s": 3600}, [(2, 72)]),
        # frozen until the end: ongoing
        ([1, 2] + [3.2] * 70, {"min_duration_s": 3600}, [(2, None)]),
        # only 30 minutes frozen: not enough
        ([1] + [3.2] * 30 + [4], {"min_duration_s": 3600}, []),
        # moving within a tolerance counts as frozen
        ([5.0, 5.01] * 40 + [9], {"min_duration_s": 3600, "tolerance": 0.02}, [(0, 80)]),
        # moving more than the tolerance does not
        ([5.0, 5.01] * 40, {"min_duration_s": 3600, "tolerance": 0.0}, []),
    ],
)
def test_flatline(values, params, expected):
    found = d.flatline(series(values), **params)
    assert [(f.start, f.end) for f in found] == [
        (at(s), None if e is None else at(e)) for s, e in expected]
    assert all(f.kind == "travado" and not f.process for f in found)


def test_flatline_needs_readings_and_ignores_bad():
    # two readings an hour apart are not "frozen", they are sparse
    assert d.flatline(series([3, None] * 0 + [3.0, 3.0], step=dt.timedelta(hours=1)),
                      min_duration_s=3600) == []
    # bad-quality readings in the middle do not break the run
    vals = [3.0] * 80
    [f] = d.flatline(series(vals, quality={10: "bad", 11: "bad"}), min_duration_s=3600)
    assert f.start == at(0) and f.end is None


# --------------------------------------------------------------------------- communication


def test_communication_loss_cases():
    start, now = T0, at(60)
    # steady feed: nothing
    assert d.communication_loss(series(range(60)), window_start=start, now=now,
                                expected_period_s=60) == []
    # a 10-minute hole in the middle (k=5 periods): one ended finding
    vals = [1] * 20 + [None] * 10 + [1] * 30
    [f] = d.communication_loss(series(vals), window_start=start, now=now, expected_period_s=60)
    assert (f.start, f.end) == (at(19), at(30)) and not f.process and f.kind == "comunicacao"
    # silence since minute 40: ongoing, starting at the last reading
    [f] = d.communication_loss(series([1] * 41), window_start=start, now=now,
                               expected_period_s=60)
    assert f.start == at(40) and f.end is None
    assert f.message == "Sem dados (esperado a cada 1 min, tolerância 5 min)"
    assert f.value == 20 * 60
    # nothing at all: ongoing from the window start
    [f] = d.communication_loss([], window_start=start, now=now, expected_period_s=60)
    assert f.start == start and f.ongoing
    # a gap of exactly k periods is tolerated; k configurable
    assert d.communication_loss(series([1] * 56), window_start=start, now=at(60),
                                expected_period_s=60, k=5) == []
    assert d.communication_loss(series([1] * 56), window_start=start, now=at(60),
                                expected_period_s=60, k=3) != []


def test_communication_bad_quality_counts_as_alive_unless_told():
    rs = series([1] * 60, quality={i: "bad" for i in range(10, 60)})
    assert d.communication_loss(rs, window_start=T0, now=at(60), expected_period_s=60) == []
    [f] = d.communication_loss(rs, window_start=T0, now=at(60), expected_period_s=60,
                               bad_counts=False)
    assert f.start == at(9) and f.ongoing


# --------------------------------------------------------------------------- night flow


def dma_flow(days: int, leak_from_day: int | None = None, leak: float = 30.0,
             step_min: int = 5, tz: str = "America/Sao_Paulo") -> list[Reading]:
    """A DMA inlet: night minimum ~40 m3/h at 3h local, day peak ~170, plus a leak."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    start = dt.datetime(2026, 3, 1, 0, 0, tzinfo=zone).astimezone(dt.UTC)
    rng = random.Random(4)
    out = []
    for i in range(days * 24 * 60 // step_min):
        ts = start + dt.timedelta(minutes=i * step_min)
        local = ts.astimezone(zone)
        h = local.hour + local.minute / 60
        v = 105 - 65 * math.cos((h - 3) / 24 * 2 * math.pi) + rng.gauss(0, 3)
        if leak_from_day is not None and i * step_min >= leak_from_day * 1440:
            v += leak
        out.append(Reading("SET-01.VAZAO", ts, v))
    return out


def test_minimum_night_flow_per_night():
    mnf = d.minimum_night_flows(dma_flow(5), expected_period_s=300)
    assert len(mnf) == 5
    assert all(35 < flow < 50 for _day, flow, _s in mnf)
    assert mnf[0][0] == dt.date(2026, 3, 1)
    assert mnf[0][2] == dt.datetime(2026, 3, 1, 5, 0, tzinfo=dt.UTC)  # 02:00 at UTC-3


def test_night_flow_rise_cases():
    # steady DMA: nothing
    assert d.night_flow_rise(dma_flow(10), expected_period_s=300) == []
    # a leak of 20 m3/h from day 8 (MNF ~40 -> ~60): ongoing, from the first high night
    [f] = d.night_flow_rise(dma_flow(10, leak_from_day=8, leak=20), expected_period_s=300)
    assert f.ongoing and f.kind == "vazao_noturna"
    assert f.start == dt.datetime(2026, 3, 9, 5, 0, tzinfo=dt.UTC)
    assert f.evidence["baseline"] == pytest.approx(40, abs=4)
    assert f.severity == "media"
    # a rise below the fraction is not reported
    assert d.night_flow_rise(dma_flow(10, leak_from_day=8, leak=4), expected_period_s=300) == []
    # a big burst (MNF x3) escalates the severity
    [f] = d.night_flow_rise(dma_flow(10, leak_from_day=8, leak=90), expected_period_s=300)
    assert f.severity == "alta"
    # without enough baseline nights, no judgement
    assert d.night_flow_rise(dma_flow(3, leak_from_day=2), expected_period_s=300) == []


def test_night_flow_leak_repaired_ends_episode():
    rs = [r for r in dma_flow(12, leak_from_day=7)]
    # repaired on day 10: subtract the leak again
    fixed = [Reading(r.tag, r.ts, r.value - 30) if r.ts >= rs[0].ts + dt.timedelta(days=10)
             else r for r in rs]
    [f] = d.night_flow_rise(fixed, expected_period_s=300)
    assert f.end is not None and f.start < f.end


# --------------------------------------------------------------------------- CUSUM / EWMA


def noisy(n, mean=50.0, sd=1.0, shift_at=None, shift=0.0, seed=1):
    rng = random.Random(seed)
    return [mean + rng.gauss(0, sd) + (shift if shift_at is not None and i >= shift_at else 0)
            for i in range(n)]


@pytest.mark.parametrize("fn", [d.cusum, d.ewma])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shift_detectors_quiet_on_noise(fn, seed):
    # 10 h of reference, 5 h of the same noise: no alarm (expected false-alarm gap ~9,500)
    assert fn(series(noisy(900, seed=seed)), baseline_s=600 * 60) == []


@pytest.mark.parametrize("fn", [d.cusum, d.ewma])
@pytest.mark.parametrize("shift", [1.5, -1.5])
def test_shift_detectors_catch_small_persistent_shift(fn, shift):
    # a 1.5-sigma shift at minute 400, drowned in the noise of single readings
    vals = noisy(600, shift_at=400, shift=shift)
    found = fn(series(vals), baseline_s=300 * 60)
    assert found, fn.__name__
    f = found[-1]
    assert f.ongoing
    assert at(390) <= f.start <= at(440)
    assert f.evidence["direction"] == (1 if shift > 0 else -1)


def test_cusum_clears_after_shift_ends():
    vals = noisy(800, shift_at=400, shift=2.0)
    vals = vals[:500] + noisy(300, seed=9)
    found = d.cusum(series(vals), baseline_s=300 * 60)
    assert len(found) == 1 and found[0].end is not None and found[0].end < at(560)


def test_shift_detectors_with_configured_target():
    vals = noisy(100, mean=52)
    assert d.cusum(series(vals), baseline_s=0, target=50, sigma=1)
    assert d.ewma(series(vals), baseline_s=0, target=50, sigma=1)
    # too little baseline and no target: nothing to compare with
    assert d.cusum(series(vals[:5]), baseline_s=3600) == []


def test_shift_detectors_ignore_bad_quality():
    vals = noisy(600)
    bad = {i: "bad" for i in range(400, 600)}
    vals = vals[:400] + [80.0] * 200
    assert d.cusum(series(vals, quality=bad), baseline_s=300 * 60) == []
    assert d.ewma(series(vals, quality=bad), baseline_s=300 * 60) == []


def test_robust_baseline():
    m, s = d.robust_baseline([1, 2, 3, 4, 100])
    assert m == 3 and s == pytest.approx(1.4826)
    m, s = d.robust_baseline([5, 5, 5, 5])
    assert m == 5 and s > 0  # never zero
    m, s = d.robust_baseline([5, 5, 5], min_sigma=0.1)
    assert s == 0.1
    assert all(math.isnan(v) for v in d.robust_baseline([]))


# --------------------------------------------------------------------------- multivariate


def quality_plant(n=1200, event_at=None, event_len=30, which="ph", jump=0.3, seed=3,
                  bad=None):
    """Five quality tags, one reading a minute; an event moves one or more of them."""
    rng = np.random.default_rng(seed)
    base = {"TURB": (0.25, 0.01, 3), "CL": (1.4, 0.02, 2), "PH": (7.1, 0.02, 2),
            "COND": (210.0, 1.0, 0), "REDOX": (750.0, 2.0, 0)}
    out = {}
    for name, (mean, sd, dec) in base.items():
        vals = np.round(mean + rng.normal(0, sd, n), dec)
        if event_at is not None and name.lower() in which.split(","):
            vals[event_at:event_at + event_len] += jump if name != "REDOX" else -40 * jump
        quality = {}
        if bad and name in bad:
            quality = {i: "bad" for i in range(*bad[name])}
        out[name] = series(list(vals), tag=name, quality=quality)
    return out


def test_water_quality_quiet_plant():
    s = quality_plant()
    assert d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60) == []


@pytest.mark.parametrize("which, jump", [("ph", 0.4), ("cl", -0.5), ("turb", 0.3),
                                         ("cond,redox", 0.5)])
def test_water_quality_event(which, jump):
    s = quality_plant(event_at=900, which=which, jump=jump)
    found = d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60, k_on=2)
    assert len(found) == 1
    f = found[0]
    assert f.kind == "qualidade" and f.process
    assert at(900) <= f.start <= at(902)
    assert at(929) <= f.end <= at(932)
    moved = {t.upper() for t in which.split(",")}
    assert f.evidence["drivers"][0]["tag"] in moved
    assert f.value > 10


def test_water_quality_ongoing_event_and_severity():
    s = quality_plant(event_at=1150, event_len=100, which="ph", jump=2.0)
    [f] = d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60)
    assert f.ongoing and f.severity == "critica"


def test_water_quality_bad_quality_never_alarms():
    # the pH probe goes wild during calibration, flagged bad by the PLC: no event
    s = quality_plant(event_at=900, which="ph", jump=3.0, bad={"PH": (900, 930)})
    assert d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60) == []


def test_water_quality_persistence():
    # a 1-minute spike is not an event with k_on=2, it is with k_on=1
    s = quality_plant(event_at=900, event_len=1, which="ph", jump=1.0)
    assert d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60, k_on=2) == []
    assert len(d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60, k_on=1)) == 1


def test_water_quality_too_little_history():
    s = quality_plant(n=100)
    assert d.water_quality(s, start=T0, end=at(100), baseline_s=600 * 60) == []
    assert d.water_quality({}, start=T0, end=at(100)) == []


def test_water_quality_constant_sensor_does_not_divide_by_zero():
    s = quality_plant()
    s["COND"] = series([210.0] * 900 + [260.0] * 300, tag="COND")  # integer sensor, frozen
    # with the sensor's resolution configured, the jump is 50 resolutions: an event
    [f] = d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60,
                          min_scale={"COND": 1.0})
    assert f.evidence["drivers"][0]["tag"] == "COND"
    assert f.value == pytest.approx(50) and f.ongoing
    # unconfigured, the only step seen is the jump itself: it sets the scale, no crash
    assert d.water_quality(s, start=T0, end=at(1200), baseline_s=600 * 60) == []


def test_robust_scores_and_alarm_mask():
    x = np.zeros((50, 2))
    x[:, 0] = np.tile([1.0, 2.0], 25)
    x[40:, 1] = 5.0
    score, z = d.robust_scores(x, baseline=20, min_scale=[1.0, 1.0])
    assert np.isnan(score[:20]).all()
    assert score[45] == pytest.approx(5.0)
    assert z.shape == (50, 2)
    m = d.alarm_mask(np.array([0, 5, 5, 5, 0, np.nan, 5, 0, 0]), on=4, k_on=2, k_off=2)
    assert m.tolist() == [False, False, True, True, True, True, True, True, False]


def test_align_grid():
    rs = {"A": series([1, 2, 3]), "B": series([7, None, 9], quality={0: "bad"})}
    grid, x = d.align(rs, step_s=60, start=T0, end=at(3))
    assert grid == [at(0), at(1), at(2)]
    assert np.isnan(x[0, 1]) and x[1, 1] != x[1, 1]  # bad, then hold the bad one: NaN
    assert x[:, 0].tolist() == [1, 2, 3] and x[2, 1] == 9


# --------------------------------------------------------------------------- ETA, registry


def test_eta_stoppage():
    vals = [540] * 10 + [0.0] * 20 + [530] * 10
    [f] = d.eta_stoppage(series(vals), below=5, on_delay_s=600, off_delay_s=300)
    assert f.kind == "parada_eta" and (f.start, f.end) == (at(10), at(30))
    assert d.eta_stoppage(series([540] * 10 + [0.0] * 5 + [540] * 10), below=5,
                          on_delay_s=600) == []


def test_validate_config():
    assert d.validate_config({"limite": {"high": 5, "on_delay_s": 60}, "comunicacao": False}) == {}
    assert d.validate_config([]) == {"detectors": [
        "A configuração dos detectores deve ser um objeto JSON."]}
    p = d.validate_config({"limiar": {}, "limite": {"alto": 1, "high": "x"},
                           "qualidade": {"tags": "A", "combine": "soma"},
                           "vazao_noturna": {"tz": "Marte/Base"}, "cusum": {"severity": "x"}})
    assert "limiar" in p and len(p["limite"]) == 2
    assert len(p["qualidade"]) == 2 and p["vazao_noturna"] and p["cusum"]


@pytest.mark.parametrize("quantity, kind, name, expect", [
    ("vazao", "setor", "SET-01.VAZAO", {"comunicacao", "travado", "vazao_noturna"}),
    ("vazao", "eta", "ETA-01.VAZAO_SAIDA", {"comunicacao", "travado", "parada_eta"}),
    ("turbidez", "eta", "ETA-01.TURBIDEZ_SAIDA", {"comunicacao", "travado", "qualidade"}),
    ("pressao", "setor", "SET-01.PRESSAO", {"comunicacao", "travado", "taxa", "limite"}),
    ("pressao", "elevatoria", "EEA-01.PRESSAO_RECALQUE", {"comunicacao", "travado"}),
    ("ph", "eta", "ETA-01.PH_SAIDA", {"comunicacao", "travado", "cusum"}),
    ("estado", "elevatoria", "EEA-01.BOMBA", {"comunicacao"}),
])
def test_suggested_config_is_valid(quantity, kind, name, expect):
    cfg = d.suggested_config(quantity, kind, tag_name=name, plausible_max=1000)
    assert set(cfg) == expect
    assert d.validate_config(cfg) == {}


def test_every_kind_has_a_detector_and_params():
    assert set(d.DETECTORS) == set(d.KINDS) == set(d.PARAMS) == set(d.KIND_LABELS)
    for spec in d.DETECTORS.values():
        assert spec.lookback({}, 60) > dt.timedelta(0)
