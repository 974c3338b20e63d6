"""The detection monitor against the real database and the SQL time-series store."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.errors import IllegalTransition, ValidationError
from core.events import OutboxMessage
from telemetry import monitor, services
from telemetry.connectors.base import Reading
from telemetry.models.anomalies import Anomaly, AnomalyState
from telemetry.storage import SqlStorage

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture()
def store(db):
    return SqlStorage()


@pytest.fixture()
def plant(db):
    services.save_asset("ETA-T", name="ETA Teste", kind="eta", sector_code="SET-T",
                        latitude=-22.9, longitude=-47.0)
    services.save_asset("SET-T", name="Setor Teste", kind="setor", sector_code="SET-T")

    def tag(name, asset="ETA-T", quantity="turbidez", detectors=None, period=60):
        return services.save_tag(name, asset_code=asset, quantity=quantity, unit="u",
                                 expected_period_seconds=period,
                                 detectors=detectors if detectors is not None else {},
                                 create=True)

    return tag


def write(store, tag, values, end=NOW, step=MIN, quality=None):
    """Readings ending one step before `end`: values[-1] is the newest."""
    quality = quality or {}
    n = len(values)
    store.write([Reading(tag, end - (n - i) * step, float(v), quality.get(i, "good"))
                 for i, v in enumerate(values) if v is not None])


def events(db, kind=None):
    rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(m.event_type, m.payload) for m in rows if kind is None or m.event_type == kind]


def anomalies(db, kind=None):
    stmt = select(Anomaly).order_by(Anomaly.id)
    if kind:
        stmt = stmt.where(Anomaly.kind == kind)
    return list(db.scalars(stmt).unique())


def test_threshold_opens_once_escalates_and_clears(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5, "critical_high": 20},
                                   "comunicacao": False})
    write(store, "ETA-T.TURB", [1] * 30 + [8] * 10)
    r = monitor.run_once(NOW, store=store)
    assert len(r.opened) == 1 and not r.errors
    [a] = anomalies(db)
    assert a.state == AnomalyState.OPEN and a.kind == "limite" and a.severity == "media"
    assert a.started_at == NOW - 10 * MIN and a.value == 8
    assert a.evidence["readings"] and a.evidence["detector"]["high"] == 5
    [(_, ev)] = events(db, "AnomalyDetected")
    assert ev["anomaly_id"] == a.id and ev["asset_code"] == "ETA-T" and ev["process"] is True
    assert ev["sector_code"] == "SET-T" and ev["latitude"] == pytest.approx(-22.9)

    # the same ongoing episode, seen again: no new anomaly, no new event
    t2 = NOW + 2 * MIN
    write(store, "ETA-T.TURB", [9, 9], end=t2)
    r = monitor.run_once(t2, store=store)
    assert r.opened == [] and r.escalated == []
    assert len(anomalies(db)) == 1 and len(events(db, "AnomalyDetected")) == 1
    assert anomalies(db)[0].last_seen_at == t2 and anomalies(db)[0].value == 9

    # it gets worse: same anomaly, escalated, published again with the same id
    t3 = t2 + 2 * MIN
    write(store, "ETA-T.TURB", [25, 30], end=t3)
    r = monitor.run_once(t3, store=store)
    assert r.escalated == [a.id]
    [a] = anomalies(db)
    assert a.severity == "critica" and a.value == 30
    detected = events(db, "AnomalyDetected")
    assert [p["anomaly_id"] for _, p in detected] == [a.id, a.id]
    assert detected[-1][1]["severity"] == "critica"

    # back to normal: cleared at the first normal reading, published once
    t4 = t3 + 3 * MIN
    write(store, "ETA-T.TURB", [1, 1, 1], end=t4)
    r = monitor.run_once(t4, store=store)
    assert r.cleared == [a.id]
    [a] = anomalies(db)
    assert a.state == AnomalyState.CLEARED and a.ended_at == t4 - 3 * MIN
    assert len(events(db, "AnomalyCleared")) == 1
    monitor.run_once(t4 + MIN, store=store)
    assert len(events(db, "AnomalyCleared")) == 1 and len(anomalies(db)) == 1

    # audited: insert + updates of the anomaly, with the monitor's reason
    logs = [e for e in db.scalars(select(AuditLog).where(AuditLog.model == "telemetry_anomaly")
                                  .order_by(AuditLog.id))
            if e.row_id == str(a.id) or (e.changes.get("id") or [None, None])[1] == a.id]
    assert logs[0].action == "insert" and logs[0].reason == "monitor de telemetria: limite"
    assert [entry.action for entry in logs[1:]] == ["update"] * (len(logs) - 1)
    assert any(entry.changes.get("state") == ["aberta", "encerrada"] for entry in logs)
    # a pass that only saw it again (last_seen_at) adds no audit row
    assert all(set(entry.changes) != {"last_seen_at"} for entry in logs)
    assert len(logs) <= 4


def test_new_episode_after_clear_is_a_new_anomaly(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [1] * 10 + [8] * 5)
    monitor.run_once(NOW, store=store)
    write(store, "ETA-T.TURB", [1] * 5, end=NOW + 5 * MIN)
    monitor.run_once(NOW + 5 * MIN, store=store)
    write(store, "ETA-T.TURB", [9] * 5, end=NOW + 10 * MIN)
    monitor.run_once(NOW + 10 * MIN, store=store)
    a1, a2 = anomalies(db)
    assert a1.state == AnomalyState.CLEARED and a2.state == AnomalyState.OPEN
    assert a2.started_at >= a1.ended_at


def test_short_episode_between_passes_is_recorded_closed(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [1] * 20 + [8] * 3 + [1] * 5)
    r = monitor.run_once(NOW, store=store)
    [a] = anomalies(db)
    assert a.state == AnomalyState.CLEARED and r.opened == [a.id] and r.cleared == [a.id]
    assert (a.started_at, a.ended_at) == (NOW - 8 * MIN, NOW - 5 * MIN)
    assert [t for t, _ in events(db)] == ["AnomalyDetected", "AnomalyCleared"]
    monitor.run_once(NOW + MIN, store=store)  # seen again in the window: not recorded twice
    assert len(anomalies(db)) == 1 and len(events(db)) == 2


def test_bad_quality_never_raises_process_alarm(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [1] * 20 + [99] * 10, quality={i: "bad" for i in range(20, 30)})
    monitor.run_once(NOW, store=store)
    assert anomalies(db) == [] and events(db) == []


def test_communication_loss_is_on_by_default_and_a_sensor_fault(db, plant, store):
    plant("ETA-T.TURB", period=60)
    plant("ETA-T.PH", quantity="ph", detectors={"comunicacao": False})
    plant("ETA-T.CL", quantity="cloro")
    write(store, "ETA-T.TURB", [1] * 30, end=NOW - 20 * MIN)  # silent for 20 min
    write(store, "ETA-T.CL", [1] * 30)  # healthy
    r = monitor.run_once(NOW, store=store)
    [a] = anomalies(db)
    assert a.tag.name == "ETA-T.TURB" and a.kind == "comunicacao" and not a.process
    assert a.started_at == NOW - 21 * MIN
    [(_, ev)] = events(db, "AnomalyDetected")
    assert ev["process"] is False and ev["kind"] == "comunicacao"
    assert r.tags == 3
    # data again: cleared at the first new reading
    write(store, "ETA-T.TURB", [1] * 3, end=NOW + 3 * MIN)
    monitor.run_once(NOW + 3 * MIN, store=store)
    [a] = anomalies(db)
    assert a.state == AnomalyState.CLEARED and a.ended_at == NOW


def test_tag_that_never_reported(db, plant, store):
    plant("ETA-T.TURB")
    monitor.run_once(NOW, store=store)
    [a] = anomalies(db, "comunicacao")
    assert a.is_open


def test_eta_stoppage_publishes_for_the_lims(db, plant, store):
    plant("ETA-T.VAZAO_SAIDA", quantity="vazao",
          detectors={"parada_eta": {"below": 5, "on_delay_s": 600}, "comunicacao": False})
    write(store, "ETA-T.VAZAO_SAIDA", [540] * 30 + [0] * 15)
    monitor.run_once(NOW, store=store)
    [a] = anomalies(db)
    assert a.kind == "parada_eta" and a.severity == "alta"
    [(_, ev)] = events(db, "EtaStoppageStarted")
    assert ev["eta_code"] == "ETA-T" and ev["source_ref"] == f"anomalia:{a.id}"
    assert ev["started_at"] == (NOW - 15 * MIN).isoformat()
    write(store, "ETA-T.VAZAO_SAIDA", [530] * 6, end=NOW + 6 * MIN)
    monitor.run_once(NOW + 6 * MIN, store=store)
    [(_, ev)] = events(db, "EtaStoppageEnded")
    assert ev["eta_code"] == "ETA-T" and ev["ended_at"] == NOW.isoformat()


def test_water_quality_through_the_monitor(db, plant, store):
    rng = np.random.default_rng(5)
    plant("ETA-T.TURB", detectors={"qualidade": {"threshold": 10, "baseline_s": 6 * 3600},
                                   "comunicacao": False})
    plant("ETA-T.PH", quantity="ph", detectors={"comunicacao": False})
    plant("ETA-T.CL", quantity="cloro", detectors={"comunicacao": False})
    n = 8 * 60
    write(store, "ETA-T.TURB", np.round(0.25 + rng.normal(0, 0.01, n), 3))
    ph = np.round(7.1 + rng.normal(0, 0.02, n), 2)
    ph[-20:] -= 0.8  # acid dosing fault for the last 20 minutes
    write(store, "ETA-T.PH", ph)
    write(store, "ETA-T.CL", np.round(1.4 + rng.normal(0, 0.02, n), 2))
    r = monitor.run_once(NOW, store=store)
    assert not r.errors
    [a] = anomalies(db)
    assert a.kind == "qualidade" and a.tag.name == "ETA-T.TURB" and a.is_open
    assert NOW - 21 * MIN <= a.started_at <= NOW - 18 * MIN
    assert a.evidence["detector"]["drivers"][0]["tag"] == "ETA-T.PH"
    # the chart of the pH (the variable that moved) shows the event too; the chlorine's not
    window = (NOW - dt.timedelta(hours=2), NOW)
    assert monitor.anomalies_in("ETA-T.PH", *window) == []
    assert monitor.anomalies_in("ETA-T.PH", *window, related=True) == [a]
    assert monitor.anomalies_in("ETA-T.CL", *window, related=True) == []
    assert monitor.anomalies_in("ETA-T.TURB", *window, related=True) == [a]


def test_broken_config_on_one_tag_does_not_stop_the_others(db, plant, store):
    t = plant("ETA-T.TURB", detectors={"comunicacao": False})
    t.detectors = {"limite": {"high": "cinco"}, "comunicacao": False}  # bypasses validation
    db.flush()
    plant("ETA-T.PH", quantity="ph", detectors={"limite": {"high": 9}, "comunicacao": False})
    write(store, "ETA-T.TURB", [1] * 10)
    write(store, "ETA-T.PH", [10] * 10)
    r = monitor.run_once(NOW, store=store)
    assert r.errors == {"ETA-T.TURB/limite": "high deve ser um número."}
    assert [a.tag.name for a in anomalies(db)] == ["ETA-T.PH"]



def test_a_detector_that_crashes_is_reported_and_rolled_back(db, plant, store, monkeypatch):
    from telemetry import detection

    def boom(readings, **kw):
        raise ZeroDivisionError("divisão por zero")

    spec = detection.DETECTORS["travado"]
    monkeypatch.setitem(detection.DETECTORS, "travado",
                        detection.DetectorSpec(boom, spec.lookback, spec.label))
    plant("ETA-T.TURB", detectors={"travado": {}, "limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [9] * 10)
    r = monitor.run_once(NOW, store=store)
    assert r.errors == {"ETA-T.TURB/travado": "ZeroDivisionError: divisão por zero"}
    assert [a.kind for a in anomalies(db)] == ["limite"]  # the other detector still ran


def test_one_open_anomaly_per_tag_and_kind_is_enforced_by_the_database(db, plant, store):
    from sqlalchemy.exc import IntegrityError

    t = plant("ETA-T.TURB")
    kw = dict(tag=t, kind="limite", severity="media", started_at=NOW, last_seen_at=NOW)
    db.add(Anomaly(**kw))
    db.flush()
    with db.begin_nested():
        db.add(Anomaly(**kw))
        with pytest.raises(IntegrityError):
            db.flush()
    db.add(Anomaly(**{**kw, "state": AnomalyState.CLEARED, "ended_at": NOW}))
    db.flush()  # cleared ones may repeat


def test_acknowledge_and_close(db, plant, store, make_user):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [8] * 5)
    monitor.run_once(NOW, store=store)
    [a] = anomalies(db)
    with pytest.raises(ValidationError):
        monitor.acknowledge(a.id, "op", "x" * 1001)
    monitor.acknowledge(a.id, "op", "equipe a caminho")
    assert a.acknowledged_by == "op" and a.note == "equipe a caminho"
    with pytest.raises(IllegalTransition):
        monitor.acknowledge(a.id, "op")
    with pytest.raises(ValidationError) as err:
        monitor.close(a.id, "op", " ")
    assert "note" in err.value.fields
    monitor.close(a.id, "op", "manutenção programada do turbidímetro")
    assert a.state == AnomalyState.CLEARED and a.ended_at is not None
    assert len(events(db, "AnomalyCleared")) == 1
    with pytest.raises(IllegalTransition):
        monitor.close(a.id, "op", "de novo")
    reasons = {entry.reason for entry in db.scalars(select(AuditLog).where(
        AuditLog.model == "telemetry_anomaly", AuditLog.row_id == str(a.id)))}
    assert "anomalia reconhecida pelo operador" in reasons
    assert "encerrada manualmente: manutenção programada do turbidímetro" in reasons


def test_queries(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [1] * 20 + [8] * 3 + [1] * 5 + [9] * 2)
    monitor.run_once(NOW, store=store)
    assert len(monitor.list_anomalies()) == 2
    assert len(monitor.list_anomalies(state="aberta")) == 1 and monitor.open_count() == 1
    assert monitor.list_anomalies(tag="OUTRA") == []
    assert len(monitor.anomalies_in("ETA-T.TURB", NOW - dt.timedelta(hours=1), NOW)) == 2
    assert monitor.anomalies_in("ETA-T.TURB", NOW - dt.timedelta(hours=3),
                                NOW - dt.timedelta(hours=2)) == []


def test_effective_config():
    from telemetry.models.tags import Tag

    assert set(monitor.effective_config(Tag(detectors={}))) == {"comunicacao"}
    assert monitor.effective_config(Tag(detectors={"comunicacao": False, "limite": {"high": 1}})) \
        == {"limite": {"high": 1}}
    assert monitor.effective_config(Tag(detectors={"comunicacao": {"k": 3}, "cusum": False})) \
        == {"comunicacao": {"k": 3}}


def test_run_scheduled_and_background_thread(app, db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    out = monitor.run_scheduled()
    assert out["tags"] == 1 and out["errors"] == {}
    t = monitor.start_background(app, interval_s=0.05, suggest=False)
    try:
        assert monitor.start_background(app) is t  # once per app
        deadline = time.monotonic() + 10
        while t.passes < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert t.passes >= 2 and t.last_report is not None
    finally:
        t.stop()
        app.extensions.pop("telemetry_monitor", None)
    assert not t.alive


def test_beat_has_the_monitor():
    from saae.worker import BEAT

    [p] = [p for p in BEAT if p.path == "telemetry.monitor.run_scheduled"]
    assert p.seconds <= 120


def test_apply_suggested_detectors(db, plant):
    plant("ETA-T.VAZAO_SAIDA", quantity="vazao")
    plant("SET-T.VAZAO", asset="SET-T", quantity="vazao")
    plant("ETA-T.PH", quantity="ph", detectors={"limite": {"low": 6}})
    changed = monitor.apply_suggested_detectors()
    assert sorted(changed) == ["ETA-T.VAZAO_SAIDA", "SET-T.VAZAO"]
    t = services.get_tag("ETA-T.VAZAO_SAIDA")
    assert "parada_eta" in t.detectors
    assert "vazao_noturna" in services.get_tag("SET-T.VAZAO").detectors
    assert services.get_tag("ETA-T.PH").detectors == {"limite": {"low": 6}}  # kept
    assert monitor.apply_suggested_detectors() == []
    log = db.scalars(select(AuditLog).where(AuditLog.model == "telemetry_tag",
                                            AuditLog.row_id == str(t.id))
                     .order_by(AuditLog.id.desc())).first()
    assert log.reason == "configuração sugerida dos detectores"


def test_window_cache_reads_each_tag_once(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "travado": {"min_duration_s": 600},
                                   "cusum": {"baseline_s": 3600}})
    write(store, "ETA-T.TURB", [1.0, 1.1] * 60)
    cache = monitor.WindowCache(store, NOW)
    long = cache.read("ETA-T.TURB", NOW - dt.timedelta(hours=3))
    short = cache.read("ETA-T.TURB", NOW - 10 * MIN)
    assert len(long) == 120 and len(short) == 10 and cache.reads == 1
    assert short == long[-10:]
    cache.read("ETA-T.TURB", NOW - dt.timedelta(hours=4))
    assert cache.reads == 2
    r = monitor.run_once(NOW, store=store)
    assert not r.errors


def test_past_communication_gaps_are_not_filed(db, plant, store):
    # a sparse history (every 5 min for a 1-min tag) is not a flood of closed losses
    plant("ETA-T.TURB", period=60)
    write(store, "ETA-T.TURB", [1] * 12, step=5 * MIN)
    monitor.run_once(NOW, store=store)
    assert anomalies(db) == []


def test_bad_quality_does_not_clear_an_open_anomaly(db, plant, store):
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": False})
    write(store, "ETA-T.TURB", [9] * 5)
    monitor.run_once(NOW, store=store)
    # the probe then reports only bad quality for two hours: still open
    later = NOW + dt.timedelta(hours=2)
    write(store, "ETA-T.TURB", [0.1] * 120, end=later, quality={i: "bad" for i in range(120)})
    monitor.run_once(later, store=store)
    [a] = anomalies(db)
    assert a.is_open
    # good readings again, back to normal: cleared
    write(store, "ETA-T.TURB", [1, 1], end=later + 2 * MIN)
    monitor.run_once(later + 2 * MIN, store=store)
    [a] = anomalies(db)
    assert a.state == AnomalyState.CLEARED and a.ended_at == later


def test_night_flow_rise_through_the_monitor(db, plant, store):
    from tests.telemetry.test_detection import dma_flow

    plant("SET-T.VAZAO", asset="SET-T", quantity="vazao", period=300,
          detectors={"vazao_noturna": {"rise_fraction": 0.25}, "comunicacao": False})
    flows = dma_flow(10, leak_from_day=8, leak=20)
    store.write([Reading("SET-T.VAZAO", r.ts, r.value) for r in flows])
    now = flows[-1].ts + MIN
    r = monitor.run_once(now, store=store)
    assert not r.errors
    [a] = anomalies(db)
    assert a.kind == "vazao_noturna" and a.is_open and a.process
    assert a.started_at == dt.datetime(2026, 3, 9, 5, 0, tzinfo=dt.UTC)  # 02:00 local
    [(_, ev)] = events(db, "AnomalyDetected")
    assert ev["sector_code"] == "SET-T" and ev["kind"] == "vazao_noturna"
    monitor.run_once(now + dt.timedelta(hours=1), store=store)
    assert len(anomalies(db)) == 1 and len(events(db, "AnomalyDetected")) == 1


def test_monitor_over_a_real_influxdb(db, plant, influx):
    """The same pass with the InfluxDB backend (real influxd on 127.0.0.1:8086)."""
    plant("ETA-T.TURB", detectors={"limite": {"high": 5}, "comunicacao": {"k": 5}})
    write(influx, "ETA-T.TURB", [1] * 30 + [8] * 10, quality={35: "bad"})
    r = monitor.run_once(NOW, store=influx)
    assert r.errors == {}
    [a] = anomalies(db)
    assert a.kind == "limite" and a.started_at == NOW - 10 * MIN and a.is_open
    assert any(q == "bad" for _ts, _v, q in a.evidence["readings"])
    later = NOW + 20 * MIN  # and then the transmitter goes silent
    r = monitor.run_once(later, store=influx)
    kinds = {x.kind: x for x in anomalies(db)}
    assert kinds["comunicacao"].is_open and kinds["comunicacao"].started_at == NOW - MIN
