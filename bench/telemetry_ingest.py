"""Ingest throughput: readings/s from MQTT (Mosquitto on 1883) into InfluxDB (127.0.0.1:8086),
through the real ingester (MqttConnector -> Batcher -> InfluxStorage), and its peak memory.

    .venv/bin/python bench/telemetry_ingest.py [--readings 1000000] [--per-message 100]
                                               [--publishers 1]

Publishers are separate processes (QoS 1, MQTT 5, JSON messages of --per-message readings:
1 = one reading per message, 100 = a field gateway's batch), their payloads built before the
clock starts. (`mosquitto_pub -l` was tried and exits before its QoS 1 messages are
delivered, so it cannot be used to count.) The ingester runs in this process, so
ru_maxrss is its peak memory. By default the bench runs its own Mosquitto with
max_queued_messages 0 (see MOSQUITTO_CONF); --system-broker uses the one on 1883.
The count stored in InfluxDB is checked at the end. Target: >= 50,000 readings/s, < 1 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


MOSQUITTO_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
# what a utility's broker for the ingester should say: never drop a slow consumer's QoS 1
max_queued_messages 0
max_inflight_messages 1000
"""


def start_broker(port: int) -> subprocess.Popen[bytes]:
    conf = Path(f"/tmp/saae-bench-mosquitto-{port}.conf")
    conf.write_text(MOSQUITTO_CONF.format(port=port))
    proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    raise RuntimeError("mosquitto nao iniciou")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def publish(prefix: str, first: int, count: int, per_msg: int, tags: int, start_us: int,
            port: int, ready: Any, go: Any) -> None:
    """A publisher process: builds its payloads, waits for the start signal, publishes them at
    QoS 1 (MQTT 5) driving paho's loop in this one thread (paho's background-thread mode
    tops out near 6,600 QoS 1 messages/s here; this reaches about 17,000)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    payloads = []
    for i in range(first, first + count, per_msg):
        n = min(per_msg, first + count - i)
        items = [{"tag": f"BENCH.{(i + j) % tags}", "v": (i + j) * 0.5,
                  "t": (start_us + i + j) / 1e6} for j in range(n)]
        payloads.append(json.dumps(items, separators=(",", ":")).encode())
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{prefix}-{first}",
                    protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    topic = f"{prefix}/lote/gw{first}"
    ready.set()
    go.wait()
    for i, body in enumerate(payloads):
        c.publish(topic, body, qos=1)
        if i % 50 == 0:
            c.loop(timeout=0)
    while c._out_messages:
        c.loop(timeout=0.01)
    c.disconnect()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--readings", type=int, default=1_000_000)
    ap.add_argument("--per-message", type=int, default=100)
    ap.add_argument("--publishers", type=int, default=1)
    ap.add_argument("--tags", type=int, default=500)
    ap.add_argument("--influx", default="http://127.0.0.1:8086")
    ap.add_argument("--ack", default="after_store", choices=["on_receipt", "after_store"])
    ap.add_argument("--protocol", default="5", choices=["5", "3.1.1"],
                    help="MQTT version of the ingester's session")
    ap.add_argument("--system-broker", action="store_true",
                    help="use the Mosquitto on 1883 (default limits: it drops QoS 1 messages "
                         "beyond 1000 queued for a slower consumer)")
    args = ap.parse_args()

    import tomllib  # noqa: F401  (py3.11)

    from telemetry import config as tcfg
    from telemetry.ingest import Ingester, running
    from telemetry.storage import InfluxStorage

    prefix = f"bench{uuid.uuid4().hex[:6]}"
    port = 1883 if args.system_broker else free_port()
    broker = None if args.system_broker else start_broker(port)
    db = f"saae_bench_{prefix}"
    store = InfluxStorage(args.influx, db, timeout=30)
    store.ensure_database()
    cfg = tcfg.parse({
        "ingest": {"batch_size": 20_000, "flush_interval_s": 0.25, "load_ranges_from_db": False},
        "connector": [{"name": "bench", "kind": "mqtt", "client_id": f"{prefix}-ingest",
                       "url": f"mqtt://127.0.0.1:{port}",
                       "session_expiry_s": 300, "ack": args.ack, "protocol": args.protocol,
                       "topics": [{"pattern": f"{prefix}/lote/#", "tag": "", "format": "json",
                                   "tag_path": "tag", "value_path": "v", "ts_path": "t"}]}],
    })
    buf = Path("/tmp") / f"{prefix}-buf"
    ing = Ingester(cfg, store, buf)
    n, k, p = args.readings, args.per_message, args.publishers
    start_us = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1e6)
    print(f"bench telemetry_ingest: {n:,} readings, {k} per MQTT message, {p} publisher(s), "
          f"{args.tags} tags, broker :{port}{' (system)' if broker is None else ' (own, no queue limit)'}, QoS 1 (ack {args.ack}) -> ingester -> InfluxDB {args.influx}")
    with running(ing):
        while ing.connectors.get("bench") is None or ing.connectors["bench"].state != "conectado":
            time.sleep(0.05)
        share = n // p
        go = mp.Event()
        readies = [mp.Event() for _ in range(p)]
        procs = [mp.Process(target=publish, args=(prefix, i * share,
                                                   share if i < p - 1 else n - i * share, k,
                                                   args.tags, start_us, port, readies[i], go))
                 for i in range(p)]
        for pr in procs:
            pr.start()
        for r in readies:
            r.wait(300)
        t0 = time.perf_counter()
        go.set()
        last_print = t0
        last_change, last_stored = t0, 0
        while ing.batcher.stored_total < n:
            time.sleep(0.05)
            now = time.perf_counter()
            if ing.batcher.stored_total != last_stored:
                last_change, last_stored = now, ing.batcher.stored_total
            elif now - last_change > 20 and not any(pr.is_alive() for pr in procs):
                print("  nothing new for 20 s after the publishers finished: readings lost upstream")
                break
            if now - last_print > 5:
                print(f"  {now - t0:5.1f}s stored {ing.batcher.stored_total:,} "
                      f"({ing.batcher.stored_total / (now - t0):,.0f}/s), pending {ing.batcher.pending:,}")
                last_print = now
            if now - t0 > 300:
                print("  timeout")
                break
        elapsed = time.perf_counter() - t0
        for pr in procs:
            pr.join()
        health = ing.health()
    stored = store.count()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"readings sent     : {n:,}")
    print(f"readings stored   : {stored:,} (count in InfluxDB)")
    print(f"rejected          : {health['connectors'][0]['rejected_total']}")
    print(f"elapsed           : {elapsed:.2f} s (first publish -> last write acknowledged)")
    print(f"throughput        : {n / elapsed:,.0f} readings/s")
    print(f"ingester peak RSS : {rss_mb:,.0f} MB")
    store._request("POST", "/query", params={"q": f'DROP DATABASE "{db}"'})
    if broker is not None:
        broker.terminate()
        broker.wait(10)
    store.close()


if __name__ == "__main__":
    main()
