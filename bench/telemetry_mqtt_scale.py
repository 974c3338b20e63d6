"""Ingest at one reading per MQTT message, scaled out: Mosquitto's own delivery rate to its C
client (`mosquitto_sub`), one ingester process, then N ingester processes on one MQTT 5 shared
subscription ($share/saae/...), each fed by the same publishers.

    .venv/bin/python bench/telemetry_mqtt_scale.py [--messages 200000] [--publishers 4]
                                                   [--ingesters 1,2] [--runs 3] [--store influx|sql]

Every figure is first publish -> last message handled: for mosquitto_sub, the last message
printed (to /dev/null); for the ingesters, the last reading durable (written to the store or
the disk buffer) and so acknowledged (QoS 1, ack after_store). Publishers are separate
processes (QoS 1, MQTT 5), their payloads built before the clock starts; the broker is a
Mosquitto of the bench's own (max_queued_messages 0, so nothing is dropped). Ingesters are
separate processes (`for_instance`, as `saae ingest --instance N` runs them), writing to
InfluxDB on 127.0.0.1:8086 (default) or to a PostgreSQL scratch table (--store sql, needs
SAAE_DATABASE_URL-like --database-url). The count stored is checked after each run.

The machine may be shared: the load average is printed before each run; figures under load
are indicative, compare the ratios of one run with each other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from telemetry_ingest import free_port, publish, start_broker  # noqa: E402

INGESTER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from telemetry import config as tcfg
    from telemetry.ingest import Ingester, running
    from telemetry.ingest.instances import buffer_dir_of, for_instance
    from telemetry.storage import InfluxStorage
    instance, doc = sys.argv[1], json.loads(Path(sys.argv[2]).read_text())
    ing = Ingester(for_instance(tcfg.parse(doc), instance),
                   InfluxStorage({url!r}, {db!r}, timeout=30),
                   buffer_dir_of(Path({buf!r}), instance))
    with running(ing):
        while True:
            conn = ing.connectors.get("m@" + instance)
            print(conn.state if conn else "-", ing.batcher.stored_total, time.process_time(),
                  flush=True)
            time.sleep(0.02)
""")


def ingester_config(prefix: str, port: int) -> dict:
    return {
        "ingest": {"batch_size": 20000, "flush_interval_s": 0.25, "load_ranges_from_db": False,
                   "reject_unknown_tags": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": f"{prefix}-ingest",
                       "share_group": "saae", "url": f"mqtt://127.0.0.1:{port}",
                       "session_expiry_s": 300,
                       "topics": [{"pattern": f"{prefix}/#", "tag": "", "format": "json",
                                   "tag_path": "tag", "value_path": "v", "ts_path": "t"}]}]}


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def start_publishers(prefix: str, n: int, p: int, port: int, tags: int) -> tuple[list, object]:
    """p publisher processes, ready (payloads built, connected); returns them and `go`."""
    start_us = int(dt.datetime.now(dt.UTC).timestamp() * 1e6) - 3_600_000_000
    share = n // p
    go = mp.Event()
    readies = [mp.Event() for _ in range(p)]
    procs = [mp.Process(target=publish, args=(prefix, i * share,
                                               share if i < p - 1 else n - i * share, 1, tags,
                                               start_us, port, readies[i], go))
             for i in range(p)]
    for pr in procs:
        pr.start()
    for r in readies:
        r.wait(300)
    return procs, go


def mosquitto_sub_rate(n: int, p: int, port: int, tags: int) -> tuple[float, float]:
    """mosquitto_sub's messages/s and its CPU microseconds per message."""
    prefix = f"sub{uuid.uuid4().hex[:6]}"
    sub = subprocess.Popen([shutil.which("mosquitto_sub") or "mosquitto_sub", "-V", "mqttv5",
                            "-q", "1", "-p", str(port), "-t", f"{prefix}/#", "-C", str(n)],
                           stdout=subprocess.DEVNULL)
    time.sleep(0.5)  # subscribed
    procs, go = start_publishers(prefix, n, p, port, tags)
    t0 = time.perf_counter()
    go.set()
    _pid, _status, usage = os.wait4(sub.pid, 0)
    elapsed = time.perf_counter() - t0
    sub.returncode = 0
    for pr in procs:
        pr.join()
    return n / elapsed, (usage.ru_utime + usage.ru_stime) / n * 1e6


class Tail:
    """An ingester process; a thread keeps its latest state, readings stored and CPU time."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        self.state, self.stored, self.cpu = "-", 0, 0.0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            state, stored, cpu = line.split()
            self.state, self.stored, self.cpu = state, int(stored), float(cpu)


def ingesters_rate(k: int, n: int, p: int, port: int, tags: int,
                   influx: str) -> tuple[float, float, int]:
    """k ingesters' readings/s, their CPU microseconds per reading, the count stored."""
    from telemetry.storage import InfluxStorage

    prefix = f"ing{uuid.uuid4().hex[:6]}"
    store = InfluxStorage(influx, f"saae_bench_{prefix}", timeout=30)
    store.ensure_database()
    tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    script = tmp / "ingester.py"
    script.write_text(INGESTER.format(root=str(ROOT), url=influx, db=store.database,
                                      buf=str(tmp / "buf")))
    (tmp / "config.json").write_text(json.dumps(ingester_config(prefix, port)))
    procs = [Tail([sys.executable, str(script), str(i + 1), str(tmp / "config.json")])
             for i in range(k)]
    try:
        while any(t.state != "conectado" for t in procs):
            time.sleep(0.05)
        time.sleep(0.5)  # subscribed
        pubs, go = start_publishers(prefix, n, p, port, tags)
        cpu0 = sum(t.cpu for t in procs)
        t0 = time.perf_counter()
        go.set()
        while sum(t.stored for t in procs) < n and time.perf_counter() - t0 < 600:
            time.sleep(0.005)
        elapsed = time.perf_counter() - t0
        cpu = sum(t.cpu for t in procs) - cpu0
        for pub in pubs:
            pub.join()
        stored = store.count()
    finally:
        for t in procs:
            t.proc.terminate()
            t.proc.wait(30)
        store._request("POST", "/query", params={"q": f'DROP DATABASE "{store.database}"'})
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return n / elapsed, cpu / n * 1e6, stored


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--publishers", type=int, default=4)
    ap.add_argument("--ingesters", default="1,2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tags", type=int, default=500)
    ap.add_argument("--influx", default="http://127.0.0.1:8086")
    args = ap.parse_args()
    n, p = args.messages, args.publishers
    port = free_port()
    broker = start_broker(port)
    print(f"bench telemetry_mqtt_scale: {n:,} messages of one reading, QoS 1, MQTT 5, "
          f"{p} publisher processes, own Mosquitto :{port}, {os.cpu_count()} CPUs; {load()}")
    figures: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    try:
        for run in range(args.runs):
            print(f"run {run + 1}: {load()}")
            rate, us = mosquitto_sub_rate(n, p, port, args.tags)
            figures.setdefault("mosquitto_sub", []).append(rate)
            cpu.setdefault("mosquitto_sub", []).append(us)
            print(f"  mosquitto_sub     : {rate:10,.0f} messages/s, {us:5.1f} us CPU/message")
            for k in (int(x) for x in args.ingesters.split(",")):
                rate, us, stored = ingesters_rate(k, n, p, port, args.tags, args.influx)
                figures.setdefault(f"{k} ingester(s)", []).append(rate)
                cpu.setdefault(f"{k} ingester(s)", []).append(us)
                print(f"  {k} ingester(s)     : {rate:10,.0f} readings/s, {us:5.1f} us CPU/reading "
                      f"(stored {stored:,}"
                      f"{'' if stored == n else ' MISSING ' + str(n - stored)})")
    finally:
        broker.terminate()
        broker.wait(10)
    med = {k: statistics.median(v) for k, v in figures.items()}
    base = med["mosquitto_sub"]
    print(f"median of {args.runs}; {load()}")
    for k, v in med.items():
        us = statistics.median(cpu[k])
        print(f"  {k:<18}: {v:10,.0f}/s  {v / base:5.2f}x mosquitto_sub; "
              f"{us:5.1f} us CPU each ({1e6 / us:,.0f}/s per CPU second)")
    one = med.get("1 ingester(s)")
    for k, v in med.items():
        if one and k.endswith("ingester(s)") and not k.startswith("1 "):
            print(f"  {k} / 1 ingester: {v / one:.2f}x")


if __name__ == "__main__":
    main()
