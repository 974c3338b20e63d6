"""Live: kill -9 the ingester (ack = after_store) in the middle of a stream; a new one
started on the same MQTT session and disk buffer stores every reading exactly once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from tests.telemetry.test_live_ingest import _publish, wait_for

pytestmark = pytest.mark.live

SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from telemetry import config as tcfg
    from telemetry.ingest import Ingester, running
    from telemetry.storage import InfluxStorage
    cfg = tcfg.parse({{
        "ingest": {{"flush_interval_s": 1.5, "load_ranges_from_db": False}},
        "connector": [{{"name": "m", "kind": "mqtt", "client_id": {cid!r}, "ack": "after_store",
                        "session_expiry_s": 120,
                        "topics": [{{"pattern": {pattern!r}, "tag": "", "format": "json",
                                     "tag_path": "tag", "value_path": "v", "ts_path": "t"}}]}}]}})
    store = InfluxStorage({url!r}, {db!r})
    ing = Ingester(cfg, store, {buf!r})
    with running(ing):
        while True:
            print(ing.batcher.stored_total, flush=True)
            time.sleep(0.1)
""")


def test_kill_9_loses_nothing_with_ack_after_store(influx, tmp_path):
    from tests.telemetry.conftest import ROOT

    prefix = f"t{uuid.uuid4().hex[:8]}"
    script = tmp_path / "ing.py"
    script.write_text(SCRIPT.format(root=str(ROOT), cid=f"crash-{prefix}",
                                    pattern=f"{prefix}/lote/#", url=influx.url, db=influx.database,
                                    buf=str(tmp_path / "buf")))

    def start():
        return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)

    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    proc = start()
    assert proc.stdout.readline()  # running
    time.sleep(1.0)  # subscribed
    sent = _publish(prefix, 100, 10, t0)
    os.kill(proc.pid, signal.SIGKILL)  # received, not yet stored nor acknowledged
    proc.wait(10)
    assert influx.count() < sent
    sent += _publish(prefix, 100, 10, t0 + dt.timedelta(minutes=1))  # queued by the broker
    proc = start()
    try:
        assert wait_for(lambda: influx.count() == sent, 20), (influx.count(), sent)
        time.sleep(0.5)
        assert influx.count() == sent  # redelivered messages did not duplicate readings
    finally:
        proc.terminate()
        proc.wait(10)
