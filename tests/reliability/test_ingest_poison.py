"""Item 2: one MQTT message stopped PostgreSQL ingestion. A batch with one reading whose tag
exceeded the column went whole to the disk buffer and was retried every 0.5 s forever; no
later reading was stored. Now each reading is checked before the store, a batch the store
refuses is split so only the bad readings are set aside (dead letter, counted, on the health
page with the reason) and the rest is stored, and ingestion continues."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, text

from telemetry import config as tcfg
from telemetry.connectors.base import Reading
from telemetry.ingest import Batcher, DeadLetters, DiskBuffer, Ingester, running
from telemetry.storage import SqlStorage

pytestmark = pytest.mark.live


def wait_for(pred, timeout=60.0, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


@pytest.fixture()
def pg_store(settings):
    """The SQL store on the suite's PostgreSQL, committing for real (the ingester is another
    thread); rows of the test's own tag prefix are deleted afterwards."""
    engine = create_engine(settings.database_url)
    prefix = f"P{uuid.uuid4().hex[:6]}"
    yield SqlStorage(engine), engine, prefix
    with engine.begin() as c:
        c.execute(text("DELETE FROM telemetry_reading WHERE tag LIKE :p"), {"p": prefix + "%"})
    engine.dispose()


def _count(engine, prefix: str) -> int:
    with engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM telemetry_reading WHERE tag LIKE :p"),
                         {"p": prefix + "%"}).scalar_one()


def _publish(topic: str, messages: list[list[dict]]) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.connect("127.0.0.1", 1883)
    c.loop_start()
    infos = [c.publish(topic, json.dumps(m) if not isinstance(m, str) else m, qos=1)
             for m in messages]
    for info in infos:
        info.wait_for_publish(10)
    c.disconnect()
    c.loop_stop()


def test_one_poison_reading_among_10000_over_mqtt(pg_store, tmp_path):
    store, engine, prefix = pg_store
    topic = f"t{uuid.uuid4().hex[:8]}"
    tags = [f"{prefix}.T{j:03d}" for j in range(100)]
    cfg = tcfg.parse({
        "ingest": {"flush_interval_s": 0.1, "batch_size": 5000, "load_ranges_from_db": False},
        "connector": [{"name": "m", "kind": "mqtt", "client_id": f"poison-{topic}",
                       "session_expiry_s": 60,
                       "topics": [{"pattern": f"{topic}/lote/#", "tag": "", "format": "json",
                                   "tag_path": "tag", "value_path": "v", "ts_path": "t"}]}],
    })
    ing = Ingester(cfg, store, tmp_path / "buf", known_tags=set(tags))
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    messages = []
    for i in range(100):  # 100 gateway messages of 100 readings: 10,000 readings
        items = [{"tag": tag, "v": i + j / 100, "t": (t0 + dt.timedelta(seconds=i)).isoformat()}
                 for j, tag in enumerate(tags)]
        messages.append(items)
    poison = prefix + ".X" * 60  # 123 characters: longer than the tag column
    messages[37][50] = {"tag": poison, "v": 1.0, "t": t0.isoformat()}
    with running(ing):
        assert wait_for(lambda: "m" in ing.connectors and ing.connectors["m"].state == "conectado", 15)
        _publish(f"{topic}/lote/gw1", messages)
        assert wait_for(lambda: _count(engine, prefix) == 9_999), _count(engine, prefix)
        # ingestion continues: a later message, with one absurd number in it (an integer of
        # 400 digits) and a reading dated 1970, loses only those two items
        later = [{"tag": tags[0], "v": 5.5, "t": dt.datetime.now(dt.UTC).isoformat()},
                 {"tag": tags[1], "v": 6.5, "t": dt.datetime.now(dt.UTC).isoformat()},
                 {"tag": tags[3], "v": 7.5, "t": "1970-01-01T00:00:00Z"}]
        huge = "9" * 400
        now_iso = dt.datetime.now(dt.UTC).isoformat()
        raw = json.dumps(later)[:-1] + f', {{"tag": "{tags[2]}", "v": {huge}, "t": "{now_iso}"}}]'
        _publish(f"{topic}/lote/gw1", [raw])
        assert wait_for(lambda: _count(engine, prefix) == 10_001), _count(engine, prefix)
        time.sleep(0.5)
        health = ing.health()
        conn = ing.connectors["m"]
        connector_rejects = dict(conn.rejects.counts)
        states = ing.states()
    dead = health["dead_letter"]
    assert dead["por_motivo"] == {"tag_invalida": 1, "data_fora_da_janela": 1}, dead
    assert dead["total"] == 2
    assert any(r["tag"] == poison and r["reason"] == "tag_invalida" for r in dead["ultimas"])
    assert health["store_ok"] and health["buffer_depth"] == 0 and health["stored_total"] == 10_001
    assert sum(connector_rejects.values()) == 1  # the 400-digit number: that item only
    lines = (tmp_path / "buf" / "dead-letter.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["tag"] == poison
    ingester_row = states[0]
    assert ingester_row["state"] == "conectado" and ingester_row["rejected_total"] == 2


def test_a_batch_the_store_refuses_is_split_to_the_bad_reading(pg_store, tmp_path):
    """The store's own refusal (here PostgreSQL's, for a tag longer than its column, with the
    check before the store switched off): the batch is bisected, 1 dead, 1,999 stored."""
    store, engine, prefix = pg_store
    opts = tcfg.IngestOptions(max_age_s=1e12, max_future_s=1e12)
    buf = DiskBuffer(tmp_path / "buf")
    dead = DeadLetters(buf.dir, opts)
    dead.reason_of = lambda r, lo, hi: None  # let everything reach the store
    b = Batcher(store, buf, opts, dead)
    now = dt.datetime.now(dt.UTC)
    batch = [Reading(f"{prefix}.{i}", now, float(i)) for i in range(2000)]
    batch[1234] = Reading(prefix + "Y" * 100, now, 1.0)
    b._handle(batch)
    assert _count(engine, prefix) == 1_999
    assert dead.counts == {"recusada_pelo_banco": 1}
    assert not b.degraded and buf.empty
