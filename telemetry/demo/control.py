"""Talking to a simulator from the command line (`saae simulate inject/clear`) and replaying
a CSV (`saae simulate replay`, e.g. the GECCO 2018 plant data)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from telemetry.connectors.base import Reading, parse_ts, to_float
from telemetry.demo.layout import MQTT_PREFIX
from telemetry.demo.sim_model import EVENT_KINDS
from telemetry.demo.tags import TAGS


def send_control(mqtt_url: str, command: dict[str, Any], prefix: str = MQTT_PREFIX) -> None:
    """Publish a command to a simulator running in another process (raises OSError when the
    broker cannot be reached)."""
    url = urlparse(mqtt_url)
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="")
    c.connect(url.hostname or "127.0.0.1", url.port or 1883, keepalive=10)
    c.loop_start()
    try:
        c.publish(prefix + "/controle", json.dumps(command), qos=1).wait_for_publish(5)
    finally:
        c.disconnect()
        c.loop_stop()


def validate_event(kind: str, target: str) -> list[str]:
    problems = []
    if kind not in EVENT_KINDS:
        problems.append(f"tipo inválido: use {', '.join(EVENT_KINDS)}")
    valid = {t.name for t in TAGS} | {t.asset_code for t in TAGS} | {"*"}
    if target not in valid:
        problems.append("alvo inválido: use um ativo (ex.: SET-02, ETA-01) ou uma tag")
    return problems


# ---------------------------------------------------------------------------------------------
# CSV replay
# ---------------------------------------------------------------------------------------------


def read_csv_rows(path: str | Path, time_column: str = "Time",
                  skip: tuple[str, ...] = ("EVENT",)) -> Iterator[tuple[dt.datetime, dict[str, float]]]:
    """(timestamp, {column: value}) per row; empty or non-numeric cells are left out."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            ts = parse_ts(row.get(time_column, ""))
            if ts is None:
                continue
            vals = {}
            for k, v in row.items():
                if k in (time_column, "", None) or k in skip:
                    continue
                f = to_float(v) if v not in ("", "NA") else None
                if f is not None:
                    vals[k] = f
            yield ts, vals


def replay_csv(path: str | Path, *, rate: float = 60.0, prefix: str = "GECCO.",
               start: dt.datetime | None = None, limit: int | None = None,
               mqtt_url: str | None = None, store: Any = None, time_column: str = "Time",
               topic: str = "saae/lote/replay", sleep: bool = True) -> int:
    """Replay a CSV at `rate` times real time, to MQTT (JSON batch per row) or to a store.

    Timestamps keep the file's spacing, shifted so the first row is at `start` (default now).
    Returns the number of readings sent."""
    client = None
    if mqtt_url:
        url = urlparse(mqtt_url)
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="")
        client.connect(url.hostname or "127.0.0.1", url.port or 1883)
        client.loop_start()
    start = start or dt.datetime.now(dt.UTC)
    first: dt.datetime | None = None
    wall0 = time.monotonic()
    sent = 0
    batch: list[Reading] = []
    try:
        for i, (ts, vals) in enumerate(read_csv_rows(path, time_column)):
            if limit is not None and i >= limit:
                break
            first = first or ts
            t = start + (ts - first)
            if sleep and rate > 0:
                due = wall0 + (ts - first).total_seconds() / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            readings = [Reading(prefix + k, t, v) for k, v in vals.items()]
            if client is not None:
                iso = t.isoformat().replace("+00:00", "Z")
                client.publish(topic, json.dumps([{"tag": r.tag, "v": r.value, "t": iso}
                                                  for r in readings]), qos=1)
            else:
                batch.extend(readings)
                if len(batch) >= 5000:
                    store.write(batch)
                    batch = []
            sent += len(readings)
        if batch:
            store.write(batch)
    finally:
        if client is not None:
            client.disconnect()
            client.loop_stop()
    return sent
