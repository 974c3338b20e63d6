"""MQTT Sparkplug B connector (the convention of SCADA gateways such as Ignition).

Topics are `spBv1.0/<group>/<verb>/<edge node>[/<device>]`; payloads are the specification's
protobuf, read with Google's protobuf runtime (`sparkplug_b.py`; `pysparkplug`, the maintained
Python package, pins paho-mqtt < 2 and cannot sit beside this project's paho-mqtt 2).

- NBIRTH / DBIRTH define the metrics of an edge node / device: name, alias, datatype and the
  current value (stored as a reading). A new NBIRTH resets the node and its devices.
- NDATA / DDATA carry values, usually by alias only; the alias is resolved from the birth.
  Data for an alias no birth defined is rejected (`alias_desconhecido`) and, when configured,
  the node is asked to publish its births again (NCMD "Node Control/Rebirth").
- NDEATH (the node's MQTT will, published by the broker when the node drops) and DDEATH mark
  the node / device offline: every metric it had gets one reading with quality "bad" and
  status BadNoCommunication, carrying the last value: communication loss, not a process
  value. An NDEATH whose bdSeq is not the one of the node's current NBIRTH is a stale will
  from an earlier session and is ignored, as the specification says.

`convert(msg, session, mapping, rejects)` is pure apart from the `Session` it updates (the
birth certificates), so it is tested on fixtures without a broker.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from telemetry.config import SparkplugConfig
from telemetry.connectors import sparkplug_b as pb
from telemetry.connectors.base import (
    Ranges,
    Reading,
    Rejected,
    check_range,
    to_float,
)
from telemetry.connectors.broker import BrokerConnector

log = logging.getLogger(__name__)

NAMESPACE = "spBv1.0"
BAD_NO_COMMUNICATION = 0x80310000  # OPC UA StatusCode: the source is not communicating
VERBS = ("NBIRTH", "NDEATH", "NDATA", "DBIRTH", "DDEATH", "DDATA", "NCMD", "DCMD")


@dataclass(frozen=True)
class SparkplugMessage:
    topic: str
    payload: bytes
    received_at: float  # epoch seconds


@dataclass
class _Metric:
    name: str
    tag: str
    datatype: int = 0
    last: float | None = None


@dataclass
class _Node:
    """What the current NBIRTH (and the DBIRTHs after it) said about one edge node."""

    bd_seq: int | None = None
    online: bool = False
    seq: int | None = None
    aliases: dict[int, tuple[str, str]] = field(default_factory=dict)  # alias -> (device, name)
    devices: set[str] = field(default_factory=set)  # devices born (DBIRTH) and not dead
    metrics: dict[tuple[str, str], _Metric] = field(default_factory=dict)  # (device, name)


@dataclass
class Session:
    """The birth certificates of every edge node seen, keyed by (group, node)."""

    nodes: dict[tuple[str, str], _Node] = field(default_factory=dict)
    rebirth_wanted: set[tuple[str, str]] = field(default_factory=set)

    def offline(self) -> list[str]:
        """'group/node' or 'group/node/device' of everything currently marked offline."""
        out = []
        for (g, n), node in sorted(self.nodes.items()):
            if not node.online:
                out.append(f"{g}/{n}")
            devices = {d for d, _ in node.metrics if d}
            out += [f"{g}/{n}/{d}" for d in sorted(devices - node.devices)
                    if node.online]
        return out


class MetricMap:
    """Metric name -> tag: the configured list first, then the tag templates."""

    def __init__(self, cfg: SparkplugConfig, ranges: Ranges | None = None) -> None:
        self.cfg = cfg
        self.source = cfg.name
        self.ranges = ranges or {}
        self.listed = {(m.node, m.device, m.metric): m for m in cfg.metrics}

    def tag(self, node: str, device: str, metric: str) -> str:
        m = self.listed.get((node, device, metric)) or self.listed.get(("", device, metric))
        if m is not None:
            return m.tag
        template = self.cfg.tag if device else self.cfg.node_tag
        if not template:
            return ""
        return template.format(node=node, device=device, metric=metric.replace("/", "."))

    def limits(self, node: str, device: str, metric: str,
               tag: str) -> tuple[float | None, float | None]:
        m = self.listed.get((node, device, metric)) or self.listed.get(("", device, metric))
        lo, hi = self.ranges.get(tag, (None, None))
        if m is not None:
            return (m.min if m.min is not None else lo, m.max if m.max is not None else hi)
        return lo, hi


def parse_topic(topic: str) -> tuple[str, str, str, str] | None:
    """(group, verb, node, device) of a Sparkplug B topic; device "" for node messages."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != NAMESPACE or parts[2] not in VERBS:
        return None
    return parts[1], parts[2], parts[3], parts[4] if len(parts) == 5 else ""


def _when(ms: int | None, fallback: float) -> dt.datetime:
    if ms:
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return dt.datetime.fromtimestamp(fallback, dt.UTC)


@dataclass
class _Message:
    """One decoded Sparkplug B message and where it came from."""

    raw: SparkplugMessage
    session: Session
    mapping: MetricMap
    rej: list[Rejected]
    group: str
    verb: str
    node_id: str
    device: str
    payload: Any

    @property
    def src(self) -> str:
        return self.mapping.source

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.node_id)

    @property
    def where(self) -> str:
        return f"{self.group}/{self.node_id}" + (f"/{self.device}" if self.device else "")


_NOT_MEASUREMENTS = ("Node Control/", "Device Control/", "Properties/")


def convert(raw: SparkplugMessage, session: Session, mapping: MetricMap,
            rejects: list[Rejected] | None = None) -> list[Reading]:
    """Readings of one Sparkplug B message; the session's births are updated; problems go
    to `rejects` (never raised)."""
    rej = rejects if rejects is not None else []
    msg = _decode(raw, session, mapping, rej)
    if msg is None:
        return []
    if msg.verb == "NDEATH":
        return _node_death(msg)
    node = _born_node(msg)
    if node is None:
        return []
    if msg.verb == "DDEATH":
        node.devices.discard(msg.device)
        return _comm_loss(node, msg.device, raw.received_at)
    if msg.verb == "DBIRTH":
        device = msg.device
        for k in [k for k in node.metrics if k[0] == device]:
            del node.metrics[k]
        node.aliases = {a: v for a, v in node.aliases.items() if v[0] != device}
        node.devices.add(device)
    is_birth = msg.verb in ("NBIRTH", "DBIRTH")
    out: list[Reading] = []
    for m in msg.payload.metrics:
        known = _birth_metric(msg, node, m) if is_birth else _data_metric(msg, node, m)
        reading = _reading(msg, known, m) if known is not None else None
        if reading is not None:
            out.append(reading)
    return out


def _decode(raw: SparkplugMessage, session: Session, mapping: MetricMap,
            rej: list[Rejected]) -> _Message | None:
    """The message parsed and decoded; None for what carries no data (state, commands) and
    for what cannot be read (rejected)."""
    src = mapping.source
    if raw.topic.startswith(f"{NAMESPACE}/STATE/"):
        return None  # a host application's online state (Sparkplug 3.0), not data
    parsed = parse_topic(raw.topic)
    if parsed is None:
        rej.append(Rejected(src, None, "topico_desconhecido", raw.topic))
        return None
    group, verb, node_id, device = parsed
    if verb in ("NCMD", "DCMD"):
        return None  # commands to the field (ours or another host's): not readings
    try:
        payload = pb.decode(raw.payload)
    except Exception as exc:  # google.protobuf.message.DecodeError and kin
        rej.append(Rejected(src, None, "payload_invalido", f"{raw.topic}: {exc}"[:120]))
        return None
    return _Message(raw, session, mapping, rej, group, verb, node_id, device, payload)


def _node_death(msg: _Message) -> list[Reading]:
    node = msg.session.nodes.get(msg.key)
    if node is None or not node.online:
        return []
    bd = next((_bd_seq(m) for m in msg.payload.metrics if m.name == "bdSeq"), None)
    if bd is not None and node.bd_seq is not None and bd != node.bd_seq:
        log.info("%s: NDEATH antigo de %s (bdSeq %s, atual %s) ignorado",
                 msg.src, msg.where, bd, node.bd_seq)
        return []
    node.online = False
    node.devices.clear()
    return _comm_loss(node, None, msg.raw.received_at)


def _born_node(msg: _Message) -> _Node | None:
    """The node a message speaks for: a new one on NBIRTH; None (rejected, rebirth asked)
    when its (device) birth was never seen or it is dead."""
    session = msg.session
    if msg.verb == "NBIRTH":
        node = session.nodes[msg.key] = _Node(online=True, seq=msg.payload.seq)
        session.rebirth_wanted.discard(msg.key)
        return node
    node = session.nodes.get(msg.key)
    if node is None or not node.online or (msg.verb == "DDATA" and msg.device not in node.devices):
        msg.rej.append(Rejected(msg.src, None, "sem_nascimento", f"{msg.verb} de {msg.where}"))
        session.rebirth_wanted.add(msg.key)
        return None
    _check_seq(node, msg.payload.seq, msg.src, msg.where, msg.rej)
    return node


def _birth_metric(msg: _Message, node: _Node, m: Any) -> _Metric | None:
    """A metric declared by a birth certificate, remembered with its tag and alias."""
    if not m.name:
        msg.rej.append(Rejected(msg.src, None, "payload_invalido",
                                f"{msg.where}: metrica sem nome"))
        return None
    if m.name == "bdSeq" and msg.verb == "NBIRTH":
        node.bd_seq = _bd_seq(m)
        return None
    if m.name.startswith(_NOT_MEASUREMENTS):
        return None  # controls and properties of the node, not measurements
    known = node.metrics[(msg.device, m.name)] = _Metric(
        m.name, msg.mapping.tag(msg.node_id, msg.device, m.name), m.datatype)
    if m.alias is not None:
        node.aliases[m.alias] = (msg.device, m.name)
    return known


def _data_metric(msg: _Message, node: _Node, m: Any) -> _Metric | None:
    """The born metric a data message's metric (by name or alias) refers to."""
    if m.name:
        name = m.name
    elif m.alias is not None and m.alias in node.aliases:
        name = node.aliases[m.alias][1]
    else:  # an alias the birth did not define: the birth we hold is stale
        msg.rej.append(Rejected(msg.src, None, "alias_desconhecido",
                                f"{msg.where} alias {m.alias}"))
        msg.session.rebirth_wanted.add(msg.key)
        return None
    found = node.metrics.get((msg.device, name))
    if found is None and not name.startswith(_NOT_MEASUREMENTS):
        msg.rej.append(Rejected(msg.src, None, "metrica_desconhecida", f"{msg.where} {name}"))
    return found


def _reading(msg: _Message, known: _Metric, m: Any) -> Reading | None:
    if not known.tag or m.is_historical:
        return None  # unmapped metric, or history (not the current value)
    if m.is_null or m.value is None:
        return None  # no value now; the birth or the next data carries it
    v = to_float(pb.signed(m.value, m.datatype or known.datatype))
    if v is None:
        msg.rej.append(Rejected(msg.src, known.tag, "nao_numerico", repr(m.value)[:40]))
        return None
    lo, hi = msg.mapping.limits(msg.node_id, msg.device, known.name, known.tag)
    bad = check_range(known.tag, v, lo, hi, msg.src)
    if bad is not None:
        msg.rej.append(bad)
        return None
    known.last = v
    return Reading(known.tag, _when(m.timestamp or msg.payload.timestamp, msg.raw.received_at),
                   v, "good")


def _bd_seq(metric: Any) -> int | None:
    try:
        return int(metric.value) if metric is not None and metric.value is not None else None
    except (TypeError, ValueError):
        return None


def _check_seq(node: _Node, seq: int | None, src: str, where: str,
               rej: list[Rejected]) -> None:
    """seq counts 0..255 over every message of a node after its NBIRTH: a gap means lost
    messages (counted; the values that did arrive are still good)."""
    if seq is None:
        return
    if node.seq is not None and seq != (node.seq + 1) % 256:
        rej.append(Rejected(src, None, "sequencia_perdida",
                            f"{where}: esperado {(node.seq + 1) % 256}, veio {seq}"))
    node.seq = seq


def _comm_loss(node: _Node, device: str | None, at: float) -> list[Reading]:
    """One 'bad, no communication' reading per metric of the node (device None) or device."""
    ts = dt.datetime.fromtimestamp(at, dt.UTC)
    return [Reading(m.tag, ts, m.last, "bad", BAD_NO_COMMUNICATION)
            for (d, _n), m in node.metrics.items()
            if m.tag and m.last is not None and (device is None or d == device)]


def rebirth_request(now_ms: int | None = None) -> bytes:
    """The NCMD payload asking an edge node to publish its births again."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    metric = pb.Metric(name="Node Control/Rebirth", alias=None, datatype=pb.DataType.BOOLEAN,
                       value=True, timestamp=now_ms)
    return pb.encode(pb.Payload(timestamp=now_ms, seq=None, metrics=(metric,)))


class SparkplugConnector(BrokerConnector):
    """Subscribes to `spBv1.0/<group>/#` as a (non-primary) host application."""

    kind = "sparkplug"
    cfg: SparkplugConfig

    def __init__(self, cfg: SparkplugConfig, ranges: Ranges | None = None) -> None:
        super().__init__(cfg)
        self.mapping = MetricMap(cfg, ranges)
        self.session = Session()

    def stats(self) -> dict[str, Any]:
        return {"messages": self.readings_total, "nodes": len(self.session.nodes),
                "offline": self.session.offline()}

    def _make_client(self, sink: Any) -> Any:
        cfg = self.cfg
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cfg.client_id,
                             protocol=mqtt.MQTTv311, clean_session=True)
        url = self._configure(client)
        pattern = f"{NAMESPACE}/{cfg.group_id}/#"
        self._callbacks(client, lambda c: c.subscribe(pattern, qos=1), f" ({pattern})")

        def on_message(c: Any, _u: Any, msg: Any) -> None:
            readings = self._convert(msg.topic, lambda rej: convert(
                SparkplugMessage(msg.topic, msg.payload, time.time()), self.session,
                self.mapping, rej))
            if cfg.request_rebirth and self.session.rebirth_wanted:
                for group, node in sorted(self.session.rebirth_wanted):
                    c.publish(f"{NAMESPACE}/{group}/NCMD/{node}", rebirth_request(), qos=0)
                self.session.rebirth_wanted.clear()
            if readings:
                self._count(readings)
                sink(readings)

        client.on_message = on_message
        client.connect_async(url.hostname or "127.0.0.1",
                             url.port or (8883 if url.scheme == "mqtts" else 1883),
                             keepalive=cfg.keepalive_s)
        return client
