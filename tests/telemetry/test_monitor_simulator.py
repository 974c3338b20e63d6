"""End to end: the demo utility's simulator (with injected events) -> the store -> the monitor
with the suggested detectors -> anomalies and events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.events import OutboxMessage
from telemetry import monitor
from telemetry.connectors.base import Reading
from telemetry.demo.sim_model import Plant
from telemetry.models.anomalies import Anomaly
from telemetry.seed import seed_demo
from telemetry.storage import SqlStorage


def test_injected_events_become_anomalies(db):
    seed_demo(dt.date.today())  # assets, tags and 24 h of 5-minute history up to now
    changed = monitor.apply_suggested_detectors()
    assert "ETA-01.VAZAO_SAIDA" in changed and "SET-02.VAZAO" in changed
    store = SqlStorage()
    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    plant = Plant(seed=11)
    plant.inject("parada_eta", "ETA-01", t0 + dt.timedelta(minutes=5))
    plant.inject("turbidez", "ETA-01.TURBIDEZ_SAIDA", t0 + dt.timedelta(minutes=10))
    plant.inject("rompimento", "SET-02", t0 + dt.timedelta(minutes=15))
    plant.inject("comunicacao", "RES-01.NIVEL", t0 + dt.timedelta(minutes=20))
    readings = []
    for i in range(0, 40 * 60, 10):  # the demo tags' 10 s period
        t = t0 + dt.timedelta(seconds=i)
        for name, vq in plant.sample(t).items():
            if vq is not None:
                readings.append(Reading(name, t, vq[0], vq[1]))
    store.write(readings)

    now = t0 + dt.timedelta(minutes=40)
    report = monitor.run_once(now, store=store)
    assert report.errors == {}
    found = {(a.tag.name, a.kind): a for a in db.scalars(select(Anomaly)).unique()}
    assert ("ETA-01.VAZAO_SAIDA", "parada_eta") in found
    assert found[("ETA-01.VAZAO_SAIDA", "parada_eta")].is_open
    assert ("ETA-01.TURBIDEZ_SAIDA", "qualidade") in found
    q = found[("ETA-01.TURBIDEZ_SAIDA", "qualidade")]
    assert q.evidence["detector"]["drivers"][0]["tag"] == "ETA-01.TURBIDEZ_SAIDA"
    assert abs((q.started_at - (t0 + dt.timedelta(minutes=10))).total_seconds()) <= 180
    assert ("SET-02.PRESSAO", "taxa") in found
    comm = found[("RES-01.NIVEL", "comunicacao")]
    assert comm.is_open and not comm.process
    # nothing on the healthy sector next door
    assert not any(tag == "SET-03.PRESSAO" for tag, _kind in found)

    types = [m.event_type for m in db.scalars(select(OutboxMessage))]
    assert "EtaStoppageStarted" in types and types.count("AnomalyDetected") >= 4

    # only the injected communication loss: no other tag is reported silent
    assert [tag for tag, kind in found if kind == "comunicacao"] == ["RES-01.NIVEL"]
    # a second pass 30 s later opens nothing new, and the ongoing ones stay open
    again = monitor.run_once(now + dt.timedelta(seconds=30), store=store)
    assert again.opened == [] and again.errors == {}
    assert {a.id for a in found.values() if a.is_open} <= {
        a.id for a in db.scalars(select(Anomaly).where(Anomaly.state == "aberta")).unique()}
