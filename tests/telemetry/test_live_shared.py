"""Live: two ingester processes on one MQTT 5 shared subscription split the messages; one
is killed (SIGKILL) midway and started again under the same instance (what its supervisor
does): every reading is stored exactly once (InfluxDB keeps one point per tag+time, so a
redelivered message cannot double a reading; the sum of the values checks each one)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.telemetry.conftest import ROOT
from tests.telemetry.test_live_ingest import wait_for

pytestmark = pytest.mark.live

SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from telemetry import config as tcfg
    from telemetry.ingest import Ingester, running
    from telemetry.ingest.instances import buffer_dir_of, for_instance
    from telemetry.storage import InfluxStorage
    instance = sys.argv[1]
    cfg = for_instance(tcfg.parse({{
        "ingest": {{"flush_interval_s": 0.5, "load_ranges_from_db": False}},
        "connector": [{{"name": "m", "kind": "mqtt", "client_id": {cid!r}, "share_group": "saae",
                        "session_expiry_s": 120,
                        "topics": [{{"pattern": {pattern!r}, "tag": "", "format": "json",
                                     "tag_path": "tag", "value_path": "v", "ts_path": "t"}}]}}]}}),
        instance)
    store = InfluxStorage({url!r}, {db!r})
    ing = Ingester(cfg, store, buffer_dir_of(Path({buf!r}), instance))
    with running(ing):
        while True:
            conn = ing.connectors.get("m@" + instance)
            print(conn.state if conn else "-", ing.batcher.stored_total, flush=True)
            time.sleep(0.1)
""")


class Member:
    """One ingester process of the group; its last printed line is its state."""

    def __init__(self, script, instance):
        self.proc = subprocess.Popen([sys.executable, str(script), instance],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.state, self.stored = "-", 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            state, stored = line.split()
            self.state, self.stored = state, int(stored)

    def poll(self):
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        self.proc.wait(30)


def publish(prefix, first, n, t0):
    """n QoS 1 messages of one reading each, numbered from `first` (value = number)."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{prefix}-pub{first}",
                    protocol=mqtt.MQTTv5)
    c.connect("127.0.0.1", 1883)
    c.loop_start()
    infos = [c.publish(f"{prefix}/seq/{i % 7}",
                       json.dumps({"tag": f"SEQ.{i % 50}", "v": i,
                                   "t": (t0 + dt.timedelta(milliseconds=i)).isoformat()}), qos=1)
             for i in range(first, first + n)]
    for info in infos:
        info.wait_for_publish(20)
    c.disconnect()
    c.loop_stop()


def _script(tmp_path, influx, prefix):
    values = {"root": str(ROOT), "cid": f"share-{prefix}", "pattern": f"{prefix}/seq/#",
              "url": influx.url, "db": influx.database, "buf": str(tmp_path / "buf")}
    path = tmp_path / "ing.py"
    path.write_text(SCRIPT.format(**values))
    return path


def test_shared_subscription_member_killed_loses_and_doubles_nothing(influx, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    script = _script(tmp_path, influx, prefix)
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    n = 1600
    members = [Member(script, "1"), Member(script, "2")]
    try:
        assert wait_for(lambda: all(m.poll().state == "conectado" for m in members), 30)
        time.sleep(0.5)  # subscribed
        publish(prefix, 0, n // 2, t0)
        assert wait_for(lambda: all(m.poll().stored > 0 for m in members), 10)
        members[1].stop(signal.SIGKILL)  # whatever it had not made durable is not acknowledged
        before_kill = members[1].stored
        publish(prefix, n // 2, n // 2, t0)  # its share of these waits in its session
        assert influx.count() < n
        members[1] = Member(script, "2")  # its supervisor starts it again, same instance
        assert wait_for(lambda: influx.count() == n, 30), influx.count()
        time.sleep(1.0)
        assert influx.count() == n
        total = influx.query(f"SELECT sum(value) FROM {influx_measurement()}")
        assert total[0]["values"][0][1] == sum(range(n))  # each number once, none other
        shares = [members[0].stored, before_kill + members[1].stored]
        assert all(s > n // 10 for s in shares), shares  # the load was shared
    finally:
        for m in members:
            m.stop()


def influx_measurement():
    from telemetry.storage.influx import MEASUREMENT

    return MEASUREMENT
