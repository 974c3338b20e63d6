"""Store outage under load: readings sent = readings stored.

    .venv/bin/python bench/telemetry_outage.py [--rate 20000] [--before 20] [--outage 60] [--after 20]

Runs a private influxd (its own ports and data directory, so the shared one on 8086 is not
disturbed) and a private Mosquitto; a publisher process sends --rate readings/s over MQTT
(QoS 1, batches of 100) for before + outage + after seconds; the ingester writes to the
influxd, which is stopped (SIGTERM, or SIGKILL with --kill) for --outage seconds and started again on the same data.
While it is down the ingester fills its disk buffer; afterwards it replays it. The script
prints readings sent, readings stored (count(value) in InfluxDB), the buffer's peak depth
and how long the replay took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import resource
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.telemetry_ingest import free_port, start_broker  # noqa: E402

INFLUX_CONF = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{dir}/meta"
[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
"""


class Influxd:
    def __init__(self) -> None:
        self.http, self.rpc = free_port(), free_port()
        self.dir = Path(f"/tmp/saae-bench-influx-{self.http}")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "influxdb.conf"
        self.conf.write_text(INFLUX_CONF.format(rpc=self.rpc, http=self.http, dir=self.dir))
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.http}"

    def start(self) -> None:
        import requests

        log = (self.dir / "influxd.log").open("ab")
        self.proc = subprocess.Popen(["influxd", "-config", str(self.conf)], stdout=log, stderr=log)
        for _ in range(200):
            try:
                if requests.get(self.url + "/ping", timeout=0.5).status_code == 204:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("influxd nao iniciou")

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (a clean stop) or, with `kill`, SIGKILL (a crash: what influxd had
        acknowledged must survive in its WAL)."""
        if self.proc is not None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(30)
            self.proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def publish(prefix: str, port: int, rate: int, seconds: float, per_msg: int, sent: Any,
            go: Any) -> None:
    """Steady load: `rate` readings/s in messages of `per_msg`, QoS 1, for `seconds`."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"outage-pub-{prefix}",
                    protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    go.wait()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    t0 = time.monotonic()
    n = 0
    msgs = 0
    while True:
        elapsed = time.monotonic() - t0
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while n < due:
            items = [{"tag": f"OUT.{(n + j) % 200}", "v": float(n + j), "t": base + (n + j) / 1e5}
                     for j in range(per_msg)]
            c.publish(f"{prefix}/lote/a", json.dumps(items, separators=(",", ":")), qos=1)
            n += per_msg
            msgs += 1
            if msgs % 20 == 0:
                c.loop(timeout=0)
        c.loop(timeout=0.005)
    while c._out_messages:
        c.loop(timeout=0.01)
    c.disconnect()
    sent.value = n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=20_000, help="readings per second")
    ap.add_argument("--before", type=float, default=20)
    ap.add_argument("--outage", type=float, default=60)
    ap.add_argument("--after", type=float, default=20)
    ap.add_argument("--kill", action="store_true",
                    help="stop influxd with SIGKILL (a crash) instead of SIGTERM")
    args = ap.parse_args()

    from telemetry import config as tcfg
    from telemetry.ingest import Ingester, running
    from telemetry.storage import InfluxStorage

    prefix = f"outage{uuid.uuid4().hex[:6]}"
    influx = Influxd()
    influx.start()
    mport = free_port()
    broker = start_broker(mport)
    store = InfluxStorage(influx.url, "saae", timeout=5)
    store.ensure_database()
    cfg = tcfg.parse({
        "ingest": {"batch_size": 20_000, "flush_interval_s": 0.25, "load_ranges_from_db": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": f"{prefix}-ingest",
                       "url": f"mqtt://127.0.0.1:{mport}", "session_expiry_s": 600,
                       "topics": [{"pattern": f"{prefix}/lote/#", "tag": "", "format": "json",
                                   "tag_path": "tag", "value_path": "v", "ts_path": "t"}]}],
    })
    buf = Path(f"/tmp/{prefix}-buffer")
    ing = Ingester(cfg, store, buf)
    total = args.before + args.outage + args.after
    print(f"bench telemetry_outage: {args.rate:,} readings/s for {total:.0f} s; influxd "
          f"{influx.url} stopped from t={args.before:.0f}s for {args.outage:.0f} s")
    sent = mp.Value("q", 0)
    go = mp.Event()
    peak = 0
    try:
        with running(ing):
            while ing.connectors.get("m") is None or ing.connectors["m"].state != "conectado":
                time.sleep(0.05)
            pub = mp.Process(target=publish, args=(prefix, mport, args.rate, total, 100, sent, go))
            pub.start()
            time.sleep(1)
            t0 = time.monotonic()
            go.set()
            stopped = restarted = None
            while True:
                now = time.monotonic() - t0
                if stopped is None and now >= args.before:
                    influx.stop(kill=args.kill)
                    stopped = now
                    print(f"  t={now:5.1f}s influxd {'morto (SIGKILL)' if args.kill else 'parado (SIGTERM)'} "
                          f"(stored so far {ing.batcher.stored_total:,})")
                if stopped is not None and restarted is None and now >= args.before + args.outage:
                    influx.start()
                    restarted = now
                    print(f"  t={now:5.1f}s influxd de volta; buffer {ing.buffer.depth:,} leituras "
                          f"em {ing.buffer.segments()} segmentos")
                peak = max(peak, ing.buffer.depth)
                if restarted is not None and not pub.is_alive() and sent.value and \
                        ing.batcher.stored_total >= sent.value and ing.buffer.depth == 0:
                    break
                if now > total + 300:
                    print("  timeout")
                    break
                time.sleep(0.2)
            drained = time.monotonic() - t0 - (restarted or 0)
            pub.join()
        stored = store.count()
        print(f"readings sent       : {sent.value:,}")
        print(f"readings stored     : {stored:,} (count in InfluxDB)")
        print(f"lost                : {sent.value - stored:,}")
        print(f"disk buffer peak    : {peak:,} readings")
        print(f"caught up           : {drained:.1f} s after influxd came back")
        print(f"ingester peak RSS   : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    finally:
        broker.terminate()
        influx.remove()
        shutil.rmtree(buf, ignore_errors=True)


if __name__ == "__main__":
    main()
