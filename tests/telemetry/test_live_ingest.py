"""Live: each connector against its real peer on loopback, end to end into a real influxd.

The simulator serves OPC UA (asyncua) and Modbus TCP (pymodbus) on free ports and publishes
to Mosquitto on 1883 under a topic prefix of its own; the ingester writes to a fresh
InfluxDB database per test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
import tomllib
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from telemetry import config as tcfg
from telemetry.demo.control import send_control
from telemetry.demo.layout import sample_toml
from telemetry.demo.simulator import Simulator
from telemetry.demo.tags import TAGS
from telemetry.ingest import Ingester, running
from tests.telemetry.conftest import free_port

pytestmark = pytest.mark.live


def wait_for(pred, timeout=15.0, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if pred():
                return True
        except (KeyError, AttributeError):  # not started yet
            pass
        time.sleep(step)
    return pred()


@pytest.fixture(scope="module")
def sim():
    op, mp = free_port(), free_port()
    prefix = f"t{uuid.uuid4().hex[:8]}/sim"
    s = Simulator(opcua_port=op, modbus_port=mp, tick_s=0.5, mqtt_prefix=prefix)
    th = threading.Thread(target=lambda: asyncio.run(s.run()), daemon=True)
    th.start()
    assert s.ready.wait(30)
    yield s
    s.stop()
    th.join(15)


def sim_config(sim, **ingest):
    doc = tomllib.loads(sample_toml(sim.opcua_port, sim.modbus_port, mqtt_prefix=sim.mqtt_prefix,
                                    client_id=f"test-{uuid.uuid4().hex[:8]}"))
    doc["ingest"].update({"flush_interval_s": 0.2, "load_ranges_from_db": False, **ingest})
    for c in doc["connector"]:
        if c["kind"] == "mqtt":
            c["session_expiry_s"] = 60  # do not leave test sessions on the broker for a day
    return doc


def test_simulator_end_to_end_into_influx(sim, influx, tmp_path):
    cfg = tcfg.parse(sim_config(sim))
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: len(influx.latest_per_tag()) == len(TAGS), 20), influx.latest_per_tag().keys()
        # a burst in SET-02 and a lost sensor at the plant, injected over the control topic
        send_control("mqtt://127.0.0.1:1883", {"acao": "injetar", "tipo": "rompimento",
                                               "alvo": "SET-02", "duracao_s": 600}, sim.mqtt_prefix)
        send_control("mqtt://127.0.0.1:1883", {"acao": "injetar", "tipo": "comunicacao",
                                               "alvo": "ETA-01.CLORO_SAIDA"}, sim.mqtt_prefix)
        before = influx.last("SET-02.PRESSAO").value
        assert wait_for(lambda: sim.plant.active_events(dt.datetime.now(dt.UTC)), 5)
        time.sleep(2.5)
        health = ing.health()
    latest = influx.latest_per_tag()
    now = dt.datetime.now(dt.UTC)
    assert all(now - r.ts < dt.timedelta(seconds=30) for r in latest.values())
    assert latest["EEA-01.BOMBA"].value in (0.0, 1.0)  # a coil
    assert latest["PC-01.NIVEL_DINAMICO"].value == round(latest["PC-01.NIVEL_DINAMICO"].value, 2)
    assert 5 < latest["ETA-01.PH_SAIDA"].value < 9
    # the burst: pressure drops by about half (ramp over 90 s; 2.5 s in, clearly falling)
    assert latest["SET-02.PRESSAO"].value < before
    # OPC UA source timestamps are the simulator's, not the ingester's arrival time
    opc = [r for r in influx.read_window("ETA-01.PH_SAIDA", now - dt.timedelta(minutes=1), now)]
    assert len(opc) >= 3
    states = {c["name"]: c for c in health["connectors"]}
    assert {c["state"] for c in states.values()} == {"conectado"}
    assert states["eta-opcua"]["rejected_total"] >= 1  # the lost chlorine sensor: bad, no value
    rejects = ing.connectors["eta-opcua"].rejects.counts
    assert rejects[("ETA-01.CLORO_SAIDA", "sem_valor")] >= 1
    assert health["buffer_depth"] == 0 and health["stored_total"] > 28
    sim.plant.clear()


def test_opcua_polling_mode(sim, influx, tmp_path):
    doc = sim_config(sim)
    doc["connector"] = [c for c in doc["connector"] if c["kind"] == "opcua"]
    doc["connector"][0].update(mode="polling", poll_interval_s=0.2)
    ing = Ingester(tcfg.parse(doc), influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: influx.count("ETA-01.VAZAO_SAIDA") >= 3, 15)
        assert ing.connectors["eta-opcua"].mode == "polling"


def _publish(topic_prefix, n_msgs, per_msg, t0, client_id=""):
    """QoS 1 JSON batches with distinct timestamps; returns the number of readings sent."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    c.connect("127.0.0.1", 1883)
    c.loop_start()
    infos = []
    for i in range(n_msgs):
        items = [{"tag": f"OUT.{j}", "v": i * per_msg + j,
                  "t": (t0 + dt.timedelta(milliseconds=i)).isoformat()} for j in range(per_msg)]
        infos.append(c.publish(f"{topic_prefix}/lote/x", json.dumps(items), qos=1))
    for info in infos:
        info.wait_for_publish(10)
    c.disconnect()
    c.loop_stop()
    return n_msgs * per_msg


def _mqtt_only(prefix, client_id, ack="on_receipt"):
    return tcfg.parse({
        "ingest": {"flush_interval_s": 0.1, "batch_size": 2000, "load_ranges_from_db": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": client_id, "session_expiry_s": 120,
                       "ack": ack,
                       "topics": [{"pattern": f"{prefix}/lote/#", "tag": "", "format": "json",
                                   "tag_path": "tag", "value_path": "v", "ts_path": "t"}]}],
    })


def test_store_outage_and_restart_lose_nothing(influx, tmp_path):
    """Writes fail (the store URL points at a closed port) -> disk buffer -> replay in order;
    an ingester stopped while the buffer is full replays it when it starts again."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    cfg = _mqtt_only(prefix, f"test-outage-{prefix}")
    good_url = influx.url
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: ing.connectors["m"].state == "conectado", 10)
        sent = _publish(prefix, 50, 20, t0)
        assert wait_for(lambda: influx.count() == sent, 10)
        influx.url = f"http://127.0.0.1:{free_port()}"  # the store goes away
        sent += _publish(prefix, 100, 20, t0 + dt.timedelta(minutes=1))
        assert wait_for(lambda: ing.buffer.depth == 2000, 10), ing.health()
        assert ing.health()["store_ok"] is False
    # the ingester stopped with 2000 readings on disk; a new one starts with the store back
    assert ing.buffer.depth == 2000
    influx.url = good_url
    sent += _publish(prefix, 10, 20, t0 + dt.timedelta(minutes=2))  # queued by the broker
    ing2 = Ingester(cfg, influx, tmp_path / "buf")
    assert ing2.buffer.depth == 2000 and ing2.batcher.degraded
    with running(ing2):
        assert wait_for(lambda: influx.count() == sent, 20), (influx.count(), sent)
        assert wait_for(lambda: ing2.health()["store_ok"], 5)
    assert ing2.buffer.depth == 0 and not list((tmp_path / "buf").glob("*.seg"))
    out0 = influx.read_window("OUT.0", t0, t0 + dt.timedelta(hours=1))
    assert len(out0) == 160
    assert [r.value for r in out0] == [i * 20.0 for n in (50, 100, 10) for i in range(n)]


@pytest.mark.parametrize("ack", ["on_receipt", "after_store"])
def test_mqtt_persistent_session_loses_nothing(influx, tmp_path, ack):
    """Publish while the ingester is away: the broker keeps its session and delivers later."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    cfg = _mqtt_only(prefix, f"test-session-{prefix}", ack)
    t0 = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: ing.connectors["m"].state == "conectado", 10)
        sent = _publish(prefix, 20, 10, t0)
        assert wait_for(lambda: influx.count() == sent, 10)
    sent += _publish(prefix, 300, 10, t0 + dt.timedelta(minutes=1))  # nobody listening now
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: influx.count() == sent, 20), (influx.count(), sent)


def test_opcua_deadband_is_applied_by_the_server(sim, influx, tmp_path):
    """With a huge absolute deadband the server reports each node once (the initial value)."""
    doc = sim_config(sim)
    doc["connector"] = [c for c in doc["connector"] if c["kind"] == "opcua"]
    doc["connector"][0].update(deadband=1e6, publishing_interval_ms=100, sampling_interval_ms=100)
    ing = Ingester(tcfg.parse(doc), influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: influx.count("ETA-01.PH_SAIDA") >= 1, 10)
        time.sleep(2.0)  # the simulator changes every value each 0.5 s
    assert influx.count("ETA-01.PH_SAIDA") == 1
