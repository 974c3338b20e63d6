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

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from telemetry.config import SparkplugConfig, secret
from telemetry.connectors import sparkplug_b as pb
from telemetry.connectors.base import (
    ConnectorStatus,
    Reading,
    Rejected,
    check_range,
    to_float,
)

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

    def __init__(self, cfg: SparkplugConfig,
                 ranges: dict[str, tuple[float | None, float | None]] | None = None) -> None:
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


def convert(raw: SparkplugMessage, session: Session, mapping: MetricMap,
            rejects: list[Rejected] | None = None) -> list[Reading]:
    """Readings of one Sparkplug B message; the session's births are updated; problems go
    to `rejects` (never raised)."""
    rej = rejects if rejects is not None else []
    src = mapping.source
    if raw.topic.startswith(f"{NAMESPACE}/STATE/"):
        return []  # a host application's online state (Sparkplug 3.0), not data
    parsed = parse_topic(raw.topic)
    if parsed is None:
        rej.append(Rejected(src, None, "topico_desconhecido", raw.topic))
        return []
    group, verb, node_id, device = parsed
    if verb in ("NCMD", "DCMD"):
        return []  # commands to the field (ours or another host's): not readings
    where = f"{group}/{node_id}" + (f"/{device}" if device else "")
    try:
        msg = pb.decode(raw.payload)
    except Exception as exc:  # google.protobuf.message.DecodeError and kin
        rej.append(Rejected(src, None, "payload_invalido", f"{raw.topic}: {exc}"[:120]))
        return []
    key = (group, node_id)
    node = session.nodes.get(key)

    if verb == "NDEATH":
        if node is None or not node.online:
            return []
        bd = next((_bd_seq(m) for m in msg.metrics if m.name == "bdSeq"), None)
        if bd is not None and node.bd_seq is not None and bd != node.bd_seq:
            log.info("%s: NDEATH antigo de %s (bdSeq %s, atual %s) ignorado",
                     src, where, bd, node.bd_seq)
            return []
        node.online = False
        node.devices.clear()
        return _comm_loss(node, None, raw.received_at)

    if verb == "NBIRTH":
        node = session.nodes[key] = _Node(online=True, seq=msg.seq)
        session.rebirth_wanted.discard(key)
    elif node is None or not node.online or (verb == "DDATA" and device not in node.devices):
        # data or a device birth from a node (device) whose birth we never saw, or dead
        rej.append(Rejected(src, None, "sem_nascimento", f"{verb} de {where}"))
        session.rebirth_wanted.add(key)
        return []
    else:
        _check_seq(node, msg.seq, src, where, rej)

    if verb == "DDEATH":
        node.devices.discard(device)
        return _comm_loss(node, device, raw.received_at)
    is_birth = verb in ("NBIRTH", "DBIRTH")
    if verb == "DBIRTH":
        for k in [k for k in node.metrics if k[0] == device]:
            del node.metrics[k]
        node.aliases = {a: v for a, v in node.aliases.items() if v[0] != device}
        node.devices.add(device)

    out: list[Reading] = []
    for m in msg.metrics:
        if is_birth:
            if not m.name:
                rej.append(Rejected(src, None, "payload_invalido", f"{where}: metrica sem nome"))
                continue
            if m.name == "bdSeq" and verb == "NBIRTH":
                node.bd_seq = _bd_seq(m)
                continue
            if m.name.startswith(("Node Control/", "Device Control/", "Properties/")):
                continue  # controls and properties of the node, not measurements
            known = node.metrics[(device, m.name)] = _Metric(
                m.name, mapping.tag(node_id, device, m.name), m.datatype)
            if m.alias is not None:
                node.aliases[m.alias] = (device, m.name)
        else:
            if m.name:
                name = m.name
            elif m.alias is not None and m.alias in node.aliases:
                name = node.aliases[m.alias][1]
            else:  # an alias the birth did not define: the birth we hold is stale
                rej.append(Rejected(src, None, "alias_desconhecido", f"{where} alias {m.alias}"))
                session.rebirth_wanted.add(key)
                continue
            found = node.metrics.get((device, name))
            if found is None:
                if not name.startswith(("Node Control/", "Device Control/", "Properties/")):
                    rej.append(Rejected(src, None, "metrica_desconhecida", f"{where} {name}"))
                continue
            known = found
        if not known.tag or m.is_historical:
            continue  # unmapped metric, or history (not the current value)
        if m.is_null or m.value is None:
            continue  # no value now; the birth or the next data carries it
        v = to_float(pb.signed(m.value, m.datatype or known.datatype))
        if v is None:
            rej.append(Rejected(src, known.tag, "nao_numerico", repr(m.value)[:40]))
            continue
        lo, hi = mapping.limits(node_id, device, known.name, known.tag)
        bad = check_range(known.tag, v, lo, hi, src)
        if bad is not None:
            rej.append(bad)
            continue
        known.last = v
        out.append(Reading(known.tag, _when(m.timestamp or msg.timestamp, raw.received_at),
                           v, "good"))
    return out


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


class SparkplugConnector(ConnectorStatus):
    """Subscribes to `spBv1.0/<group>/#` as a (non-primary) host application."""

    kind = "sparkplug"

    def __init__(self, cfg: SparkplugConfig,
                 ranges: dict[str, tuple[float | None, float | None]] | None = None) -> None:
        self.cfg = cfg
        self._init_status(cfg.name)
        self.mapping = MetricMap(cfg, ranges)
        self.session = Session()
        self._client: Any = None
        self._stop: asyncio.Event | None = None

    def stats(self) -> dict[str, Any]:
        return {"messages": self.readings_total, "nodes": len(self.session.nodes),
                "offline": self.session.offline()}

    def _make_client(self, sink: Any) -> Any:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        cfg = self.cfg
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cfg.client_id,
                             protocol=mqtt.MQTTv311, clean_session=True)
        client.reconnect_delay_set(int(max(1, cfg.reconnect_initial_s)),
                                   int(max(1, cfg.reconnect_max_s)))
        if cfg.username:
            client.username_pw_set(cfg.username, secret(cfg.password_env) or None)
        url = urlparse(cfg.url)
        if url.scheme == "mqtts":
            client.tls_set(ca_certs=cfg.ca_file or None)
        pattern = f"{NAMESPACE}/{cfg.group_id}/#"

        def on_connect(c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if reason.is_failure:
                self.state, self.last_error = "erro", f"conexao recusada: {reason}"
                return
            self.state, self.last_error = "conectado", None
            log.info("%s: conectado a %s (%s)", self.name, cfg.url, pattern)
            c.subscribe(pattern, qos=1)

        def on_disconnect(_c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if self.state != "parado":
                self.state, self.last_error = "conectando", f"desconectado: {reason}"

        def on_message(c: Any, _u: Any, msg: Any) -> None:
            rej: list[Rejected] = []
            try:
                readings = convert(SparkplugMessage(msg.topic, msg.payload, time.time()),
                                   self.session, self.mapping, rej)
            except Exception as exc:  # a converter bug must not kill paho's thread
                log.exception("%s: falha ao converter %s", self.name, msg.topic)
                rej.append(Rejected(self.name, None, "erro_interno", str(exc)[:100]))
                readings = []
            if rej:
                self.rejects.add(rej)
            if cfg.request_rebirth and self.session.rebirth_wanted:
                for group, node in sorted(self.session.rebirth_wanted):
                    c.publish(f"{NAMESPACE}/{group}/NCMD/{node}", rebirth_request(), qos=0)
                self.session.rebirth_wanted.clear()
            if readings:
                self.readings_total += len(readings)
                self.last_reading_at = time.time()
                sink(readings)

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        client.on_message = on_message
        client.connect_async(url.hostname or "127.0.0.1",
                             url.port or (8883 if url.scheme == "mqtts" else 1883),
                             keepalive=cfg.keepalive_s)
        return client

    async def run(self, sink: Any) -> None:
        self._stop = asyncio.Event()
        self.state = "conectando"
        self._client = self._make_client(sink)
        self._client.loop_start()
        try:
            await self._stop.wait()
        finally:
            self.state = "parado"
            client, self._client = self._client, None
            if client is not None:
                await asyncio.to_thread(_shutdown, client)

    async def close(self) -> None:
        self.state = "parado"
        if self._stop is not None:
            self._stop.set()


def _shutdown(client: Any) -> None:
    client.disconnect()
    client.loop_stop()
