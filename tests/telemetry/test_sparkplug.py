"""Sparkplug B: births define metrics and aliases, data by alias, deaths mark communication
loss. The payload codec is checked against golden payloads of another implementation (made
from the specification's compiled .proto); then the pure converter; then live through
Mosquitto on 127.0.0.1:1883 into the ingester."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from telemetry import config as tcfg
from telemetry.connectors import sparkplug_b as spb
from telemetry.connectors.sparkplug import (
    BAD_NO_COMMUNICATION,
    MetricMap,
    Session,
    SparkplugMessage,
    convert,
    parse_topic,
)
from telemetry.ingest import Ingester, running
from tests.telemetry.test_live_ingest import wait_for

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC, in ms


def _m(name, dtype, value, alias=None, ts=T0):
    return spb.Metric(timestamp=ts, name=name, datatype=dtype, value=value, alias=alias)


def _alias(alias, dtype, value, ts=T0):
    return spb.Metric(timestamp=ts, name=None, datatype=dtype, value=value, alias=alias)


def _birth(metrics, seq):
    return spb.encode(spb.Payload(timestamp=T0, seq=seq, metrics=metrics))


def nbirth(bd=0, seq=0):
    return _birth((_m("bdSeq", spb.DataType.UINT64, bd),
                   _m("Node Control/Rebirth", spb.DataType.BOOLEAN, False),
                   _m("Vazao/PV", spb.DataType.DOUBLE, 41.5, alias=1)), seq)


def dbirth(seq=1):
    return _birth((_m("Pressao", spb.DataType.FLOAT, 28.0, alias=10),
                   _m("Nivel", spb.DataType.INT32, 312, alias=11),
                   _m("Modelo", spb.DataType.STRING, "PT-100", alias=12)), seq)


def _data(seq, metrics, ts):  # data messages leave the datatypes out, as edge nodes do
    return spb.encode(spb.Payload(timestamp=ts, seq=seq, metrics=metrics), datatypes=False)


def ddata(seq, pressure, ts):
    return _data(seq, (_alias(10, spb.DataType.FLOAT, pressure, ts=ts),), ts)


def ndata(seq, flow, ts):
    return _data(seq, (_alias(1, spb.DataType.DOUBLE, flow, ts=ts),), ts)


def ndeath(bd=0):
    return spb.encode(spb.Payload(timestamp=None, seq=None,
                                  metrics=(_m("bdSeq", spb.DataType.UINT64, bd),)))


def ddeath(seq, ts):
    return spb.encode(spb.Payload(timestamp=ts, seq=seq, metrics=()))


# Encoded by pysparkplug 0.6.1 (its sparkplug_b_pb2 is the Eclipse Tahu .proto compiled by protoc)
GOLDEN = {
    "NBIRTH": "0880d0eab6b73312120a0562645365711880d0eab6b7332008580712210a144e6f646520436f6e74726f"
              "6c2f526562697274681880d0eab6b733200b7000121e0a0856617a616f2f505610011880d0eab6b733"
              "200a690000000000c044401800",
    "DBIRTH": "0880d0eab6b73312190a075072657373616f100a1880d0eab6b7332009650000e04112150a054e6976"
              "656c100b1880d0eab6b733200350b802121b0a064d6f64656c6f100c1880d0eab6b733200c7a065054"
              "2d3130301801",
    "DDATA": "08e8d7eab6b733120e100a18e8d7eab6b733650000dc411802",
    "INT16": "0880d0eab6b73312150a0454656d7010031880d0eab6b733200250fbff031801",
}


def test_the_codec_reads_and_writes_the_specification_s_wire_format():
    birth = spb.decode(bytes.fromhex(GOLDEN["NBIRTH"]))
    assert (birth.timestamp, birth.seq) == (T0, 0)
    assert [(m.name, m.alias, m.datatype, m.value) for m in birth.metrics] == [
        ("bdSeq", None, spb.DataType.UINT64, 7),
        ("Node Control/Rebirth", None, spb.DataType.BOOLEAN, False),
        ("Vazao/PV", 1, spb.DataType.DOUBLE, 41.5)]
    data = spb.decode(bytes.fromhex(GOLDEN["DDATA"]))
    assert [(m.name, m.alias, m.value) for m in data.metrics] == [(None, 10, 27.5)]
    temp = spb.decode(bytes.fromhex(GOLDEN["INT16"])).metrics[0]
    assert (temp.name, temp.value) == ("Temp", -5)  # two's complement in the unsigned field
    # what we write, the other implementation wrote byte for byte
    assert nbirth(bd=7).hex() == GOLDEN["NBIRTH"] and dbirth().hex() == GOLDEN["DBIRTH"]
    assert ddata(2, 27.5, T0 + 1000).hex() == GOLDEN["DDATA"]


def _cfg(group="SAAE", **kw):
    doc = {"connector": [{"name": "spb", "kind": "sparkplug", "group_id": group,
                          "client_id": f"t-spb-{uuid.uuid4().hex[:8]}", **kw}]}
    return tcfg.parse(doc)


def _feed(session, mapping, items):
    out, rej = [], []
    for topic, payload in items:
        out += convert(SparkplugMessage(topic, payload, T0 / 1000 + 99), session, mapping, rej)
    return out, rej


def test_topics():
    assert parse_topic("spBv1.0/SAAE/DDATA/ETA-01/PT-3") == ("SAAE", "DDATA", "ETA-01", "PT-3")
    assert parse_topic("spBv1.0/SAAE/NBIRTH/ETA-01") == ("SAAE", "NBIRTH", "ETA-01", "")
    assert parse_topic("spBv1.0/STATE/host") is None and parse_topic("saae/x/y/z") is None


def test_birth_alias_data_and_death():
    cfg = _cfg(metrics=[{"metric": "Pressao", "device": "PT-3", "tag": "SET-02.PRESSAO",
                         "max": 100}]).connectors[0]
    session, mapping = Session(), MetricMap(cfg)
    n, d = "spBv1.0/SAAE/{}/ETA-01", "spBv1.0/SAAE/{}/ETA-01/PT-3"
    out, rej = _feed(session, mapping, [
        (n.format("NBIRTH"), nbirth(bd=7)),
        (d.format("DBIRTH"), dbirth()),
        (d.format("DDATA"), ddata(2, 27.5, T0 + 1000)),
        (n.format("NDATA"), ndata(3, 40.0, T0 + 2000)),
        (d.format("DDATA"), ddata(4, 500.0, T0 + 3000)),  # out of the plausible range
    ])
    got = [(r.tag, r.value, r.quality, r.ts) for r in out]
    at = lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.UTC)  # noqa: E731
    assert got == [
        ("ETA-01.Vazao.PV", 41.5, "good", at(T0)),     # the birth carries the current values
        ("SET-02.PRESSAO", 28.0, "good", at(T0)),       # listed metric -> configured tag
        ("PT-3.Nivel", 312.0, "good", at(T0)),          # template {device}.{metric}
        ("SET-02.PRESSAO", 27.5, "good", at(T0 + 1000)),  # by alias 10
        ("ETA-01.Vazao.PV", 40.0, "good", at(T0 + 2000)),  # node metric by alias 1
    ]
    assert [(r.tag, r.reason) for r in rej] == [("PT-3.Modelo", "nao_numerico"),
                                               ("SET-02.PRESSAO", "fora_da_faixa")]
    # a stale will of an earlier session (another bdSeq) changes nothing
    assert _feed(session, mapping, [(n.format("NDEATH"), ndeath(bd=6))]) == ([], [])
    assert session.offline() == []
    # the real death: every metric of the node and its device, last value, bad, no comms
    out, rej = _feed(session, mapping, [(n.format("NDEATH"), ndeath(bd=7))])
    assert rej == [] and session.offline() == ["SAAE/ETA-01"]
    assert sorted((r.tag, r.value, r.quality, r.status) for r in out) == [
        ("ETA-01.Vazao.PV", 40.0, "bad", BAD_NO_COMMUNICATION),
        ("PT-3.Nivel", 312.0, "bad", BAD_NO_COMMUNICATION),
        ("SET-02.PRESSAO", 27.5, "bad", BAD_NO_COMMUNICATION),
    ]
    # data after the death is not taken as a value: the node must be born again
    out, rej = _feed(session, mapping, [(d.format("DDATA"), ddata(5, 26.0, T0 + 9000))])
    assert out == [] and [r.reason for r in rej] == ["sem_nascimento"]
    assert ("SAAE", "ETA-01") in session.rebirth_wanted


def test_device_death_unknown_alias_lost_sequence_and_garbage():
    cfg = _cfg().connectors[0]
    session, mapping = Session(), MetricMap(cfg)
    n, d = "spBv1.0/SAAE/{}/ETA-02", "spBv1.0/SAAE/{}/ETA-02/PT-9"
    out, rej = _feed(session, mapping, [
        (d.format("DDATA"), ddata(0, 1.0, T0)),           # before any birth
        (n.format("NBIRTH"), nbirth()),
        (d.format("DBIRTH"), dbirth()),
        (d.format("DDATA"), ddata(5, 29.0, T0 + 1000)),   # seq 2..4 lost
        (n.format("NDATA"), _data(6, (_alias(99, spb.DataType.DOUBLE, 1.0),), T0)),  # no birth
        (d.format("DDEATH"), ddeath(7, T0 + 5000)),
        (n.format("NDATA"), b"\xff\x00garbage"),
        ("spBv1.0/STATE/scada-principal", b'{"online": true, "timestamp": 1}'),  # ignored
    ])
    assert [r.reason for r in rej] == ["sem_nascimento", "nao_numerico", "sequencia_perdida",
                                       "alias_desconhecido", "payload_invalido"]
    dead = [r for r in out if r.quality == "bad"]
    assert sorted(r.tag for r in dead) == ["PT-9.Nivel", "PT-9.Pressao"]  # the device only
    assert all(r.status == BAD_NO_COMMUNICATION for r in dead)
    assert session.offline() == ["SAAE/ETA-02/PT-9"]


def test_config_is_validated():
    with pytest.raises(tcfg.ConfigInvalid) as exc:
        tcfg.parse({"connector": [{"name": "s", "kind": "sparkplug", "group_id": "a/b",
                                   "url": "http://x"}]})
    text = str(exc.value)
    assert "group_id" in text and "url deve comecar" in text


@pytest.mark.live
def test_live_birth_data_by_alias_and_death_through_mosquitto(influx, tmp_path):
    """An edge node publishes NBIRTH/DBIRTH, DDATA by alias and its NDEATH through the real
    Mosquitto; the ingester's Sparkplug connector stores values and the communication loss."""
    group = f"G{uuid.uuid4().hex[:8]}"
    cfg = _cfg(group=group, metrics=[{"metric": "Pressao", "device": "PT-3",
                                      "tag": f"{group}.PRESSAO"}])
    cfg = tcfg.TelemetryConfig(tcfg.IngestOptions(flush_interval_s=0.1,
                                                  load_ranges_from_db=False), cfg.connectors)
    ing = Ingester(cfg, influx, tmp_path / "buf")
    node = f"spBv1.0/{group}/{{}}/ETA-01"
    dev = node + "/PT-3"
    edge = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"edge-{group}")
    edge.will_set(node.format("NDEATH"), ndeath(bd=3), qos=1)  # the broker's NDEATH
    with running(ing):
        assert wait_for(lambda: ing.connectors["spb"].state == "conectado", 10)
        time.sleep(0.3)  # the subscription is in place
        edge.connect("127.0.0.1", 1883)
        edge.loop_start()
        now = int(time.time() * 1000)
        for topic, body in [(node.format("NBIRTH"), nbirth(bd=3)),
                            (dev.format("DBIRTH"), dbirth()),
                            (dev.format("DDATA"), ddata(2, 27.0, now)),
                            (dev.format("DDATA"), ddata(3, 26.5, now + 1000))]:
            edge.publish(topic, body, qos=1).wait_for_publish(5)
        tag = f"{group}.PRESSAO"
        assert wait_for(lambda: influx.count(tag) == 3, 10)  # birth + 2 by alias
        assert influx.last(tag).value == 26.5 and influx.last(tag).quality == "good"
        # the edge node drops off the network: no DISCONNECT, the broker publishes its will
        edge.loop_stop()
        edge.socket().close()
        assert wait_for(lambda: influx.count(tag) == 4, 40)
        last = influx.last(tag)
        conn = ing.connectors["spb"]
        offline, counts = conn.session.offline(), dict(conn.rejects.counts)
    assert (last.value, last.quality, last.status) == (26.5, "bad", BAD_NO_COMMUNICATION)
    assert offline == [f"{group}/ETA-01"]
    assert counts == {("PT-3.Modelo", "nao_numerico"): 1}
