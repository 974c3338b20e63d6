"""Live, MQTT (Mosquitto on 1883) into a real influxd: bad payloads, the MQTT 3.1.1 persistent
session, and the accelerated CSV replay of the GECCO feed through the broker."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from telemetry import config as tcfg
from telemetry.demo.control import replay_csv
from telemetry.ingest import Ingester, running
from tests.conftest import GECCO, GECCO_MISSING
from tests.telemetry.test_live_ingest import _mqtt_only, _publish, wait_for

pytestmark = pytest.mark.live



def _send(pairs):
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.connect("127.0.0.1", 1883)
    c.loop_start()
    for topic, body in pairs:
        c.publish(topic, body, qos=1).wait_for_publish(5)
    c.disconnect()
    c.loop_stop()


def test_bad_payloads_are_counted_logged_and_never_stored(influx, tmp_path, caplog):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    cfg = tcfg.parse({
        "ingest": {"flush_interval_s": 0.1, "load_ranges_from_db": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": f"test-bad-{prefix}",
                       "session_expiry_s": 60,
                       "topics": [
                           {"pattern": f"{prefix}/num/+", "tag": "N.{0}", "max": 100},
                           {"pattern": f"{prefix}/json/+", "tag": "J.{0}", "format": "json",
                            "value_path": "d.v", "ts_path": "d.t", "quality_path": "d.q"}]}],
    })
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: ing.connectors["m"].state == "conectado", 10)
        _send([
            (f"{prefix}/num/A", b"abc"),                       # not a number
            (f"{prefix}/num/A", b"150"),                       # out of the plausible range
            (f"{prefix}/json/B", b"{not json"),                # broken JSON
            (f"{prefix}/json/B", b'{"d": {"t": 1767225600}}'),  # value missing
            (f"{prefix}/json/B", b'{"d": {"v": 1, "t": "ontem"}}'),  # unparseable time
            (f"{prefix}/num/A", b"42,5"),                      # good (comma decimal)
            (f"{prefix}/json/B", b'{"d": {"v": 7, "t": 1767225600, "q": "bad"}}'),  # kept as bad
        ])
        assert wait_for(lambda: influx.count() == 2, 10)
        time.sleep(0.3)
        conn = ing.connectors["m"]
        state, counts = conn.state, dict(conn.rejects.counts)
    assert state == "conectado"
    assert counts == {("N.A", "nao_numerico"): 1, ("N.A", "fora_da_faixa"): 1,
                      ("J.B", "json_invalido"): 1, ("J.B", "campo_ausente"): 1,
                      ("J.B", "data_invalida"): 1}
    assert influx.last("N.A").value == 42.5
    b = influx.last("J.B")
    assert (b.value, b.quality, b.ts) == (7.0, "bad", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "tag=N.A motivo=fora_da_faixa" in logged and "tag=J.B motivo=json_invalido" in logged


def test_mqtt_311_persistent_session_loses_nothing(influx, tmp_path):
    """The same, with MQTT 3.1.1 (clean_session = false, no session expiry)."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    doc = {
        "ingest": {"flush_interval_s": 0.1, "load_ranges_from_db": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": f"test-311-{prefix}",
                       "protocol": "3.1.1", "clean_session": False,
                       "topics": [{"pattern": f"{prefix}/lote/#", "tag": "", "format": "json",
                                   "tag_path": "tag", "value_path": "v", "ts_path": "t"}]}],
    }
    cfg = tcfg.parse(doc)
    t0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: ing.connectors["m"].state == "conectado", 10)
        sent = _publish(prefix, 10, 10, t0)
        assert wait_for(lambda: influx.count() == sent, 10)
    sent += _publish(prefix, 200, 10, t0 + dt.timedelta(minutes=1))  # ingester away
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: influx.count() == sent, 20), (influx.count(), sent)
    # leave no 3.1.1 session behind on the shared broker
    doc["connector"][0]["clean_session"] = True
    with running(Ingester(tcfg.parse(doc), influx, tmp_path / "buf2")):
        time.sleep(0.5)


@pytest.mark.skipif(not GECCO.exists(), reason=GECCO_MISSING)
def test_csv_replay_accelerated_over_mqtt_into_influx(influx, tmp_path):
    """30 one-minute GECCO rows at 600x real time: about 2.9 s of wall clock, every value
    through the broker and the ingester, the file's one-minute spacing kept."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    ing = Ingester(_mqtt_only(prefix, f"test-replay-{prefix}"), influx, tmp_path / "buf")
    start = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    with running(ing):
        assert wait_for(lambda: ing.connectors["m"].state == "conectado", 10)
        t = time.monotonic()
        n = replay_csv(GECCO, rate=600, limit=30, start=start, mqtt_url="mqtt://127.0.0.1:1883",
                       topic=f"{prefix}/lote/replay")
        took = time.monotonic() - t
        assert wait_for(lambda: influx.count() == n, 15), (influx.count(), n)
    assert 2.5 <= took < 6, took  # 29 minutes of data / 600
    assert n >= 30 * 8
    ph = influx.read_window("GECCO.pH", start, start + dt.timedelta(hours=1))
    assert len(ph) == 30 and ph[1].ts - ph[0].ts == dt.timedelta(minutes=1)
