"""Live: the ingester's short decoding path for MQTT 5 QoS 1 PUBLISH packets without
properties, and paho's own path for every other packet (properties, QoS 0 and 2), give the
same readings (Mosquitto on 1883, a real influxd)."""

from __future__ import annotations

import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from telemetry import config as tcfg
from telemetry.ingest import Ingester, running
from tests.telemetry.test_live_ingest import wait_for

pytestmark = pytest.mark.live


def test_every_kind_of_publish_gives_its_reading(influx, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    cfg = tcfg.parse({
        "ingest": {"flush_interval_s": 0.1, "load_ranges_from_db": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": f"test-v5-{prefix}",
                       "session_expiry_s": 60, "qos": 2,
                       "topics": [{"pattern": f"{prefix}/+/valor", "tag": "V5.{0}"}]}]})
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = ("origem", "estação")
    props.MessageExpiryInterval = 60
    sends = [("plain1", 1, None, "1.5"), ("props1", 1, props, "2.5"), ("qos0", 0, None, "3.5"),
             ("qos2", 2, None, "4.5"), ("estação", 1, None, "5.5"), ("big", 1, None, "6" * 300)]
    ing = Ingester(cfg, influx, tmp_path / "buf")
    with running(ing):
        assert wait_for(lambda: ing.connectors["m"].state == "conectado", 10)
        time.sleep(0.3)  # subscribed
        c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        c.connect("127.0.0.1", 1883)
        c.loop_start()
        for name, qos, p, body in sends:
            c.publish(f"{prefix}/{name}/valor", body, qos=qos, properties=p).wait_for_publish(5)
        c.disconnect()
        c.loop_stop()
        assert wait_for(lambda: influx.count() == len(sends), 10), influx.count()
    for name, _qos, _p, body in sends:
        assert influx.last(f"V5.{name}").value == float(body)
