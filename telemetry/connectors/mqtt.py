"""MQTT connector (paho-mqtt 2, CallbackAPIVersion.VERSION2).

QoS 1 with a persistent session (fixed client id, clean_session False / MQTT 5 clean_start
False with a session expiry), so what devices publish while the ingester is briefly away is
queued by the broker and delivered on reconnect. With `ack = "after_store"` (the default)
messages are acknowledged (PUBACK) only after their readings are durable (in the store or in
the disk buffer), so even a crash loses nothing; see MqttConfig.ack for broker settings.
paho runs its network loop in its own thread; messages go straight to the thread-safe sink
(no asyncio hop).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from telemetry.config import MqttConfig, MqttTopic
from telemetry.connectors.base import (
    Ranges,
    Reading,
    Rejected,
    check_range,
    parse_ts,
    to_float,
)
from telemetry.connectors.broker import BrokerConnector, BufferedClient

log = logging.getLogger(__name__)


class MqttMessage(NamedTuple):  # a tuple: built once per message, in the hot path
    topic: str
    payload: bytes
    received_at: float  # epoch seconds (arrival time, used when the payload carries none)


def topic_matches(pattern: str, topic: str) -> list[str] | None:
    """The wildcard captures when `topic` matches the MQTT filter `pattern`, else None."""
    p, t = pattern.split("/"), topic.split("/")
    caps: list[str] = []
    for i, seg in enumerate(p):
        if seg == "#":
            caps.append("/".join(t[i:]))
            return caps
        if i >= len(t):
            return None
        if seg == "+":
            caps.append(t[i])
        elif seg != t[i]:
            return None
    return caps if len(p) == len(t) else None


def _getter(path: str) -> Callable[[Any], Any]:
    """`_path(obj, path)` as a function, with a plain key lookup for one-step paths into
    JSON objects (the common case, and the ingester's hot path)."""
    if path and "." not in path:
        def get(obj: Any) -> Any:
            if type(obj) is dict:
                return obj[path]
            return _path(obj, path)
        return get
    return functools.partial(_path, path=path)


def _path(obj: Any, path: str) -> Any:
    """Dotted path into JSON (`a.b.0.c`); KeyError when a step is missing."""
    if not path:
        return obj
    for step in path.split("."):
        if isinstance(obj, list):
            try:
                obj = obj[int(step)]
            except (ValueError, IndexError) as exc:
                raise KeyError(step) from exc
        elif isinstance(obj, dict):
            obj = obj[step]
        else:
            raise KeyError(step)
    return obj


_QUALITY = {"good": "good", "ok": "good", "boa": "good", "g": "good", "192": "good",
            "bad": "bad", "ruim": "bad", "b": "bad", "0": "bad", "false": "bad",
            "uncertain": "uncertain", "incerta": "uncertain", "u": "uncertain", "true": "good",
            "1": "good"}


def _quality(raw: Any) -> str:
    if raw is None:
        return "good"
    return _QUALITY.get(str(raw).strip().lower(), "uncertain")


class TopicMap:
    """The topic patterns of one connector, with a per-topic cache (topics repeat)."""

    def __init__(self, topics: tuple[MqttTopic, ...] | list[MqttTopic],
                 ranges: Ranges | None = None,
                 source: str = "mqtt") -> None:
        self.topics = tuple(topics)
        self.ranges = ranges or {}
        self.source = source
        self._cache: dict[str, tuple[MqttTopic, str] | None] = {}
        # per topic config: getters of its tag / value / ts / quality paths
        self.getters = {id(c): tuple(_getter(p) if p else None for p in
                                     (c.tag_path, c.value_path, c.ts_path, c.quality_path))
                        for c in self.topics}

    def resolve(self, topic: str) -> tuple[MqttTopic, str] | None:
        """(topic config, tag name) for a topic, or None when no pattern matches."""
        try:
            return self._cache[topic]
        except KeyError:
            pass
        found = None
        for cfg in self.topics:
            caps = topic_matches(cfg.pattern, topic)
            if caps is not None:
                try:
                    tag = cfg.tag.format(*caps, topic=topic) if cfg.tag else ""
                except (IndexError, KeyError):
                    tag = ""
                found = (cfg, tag)
                break
        if len(self._cache) < 100_000:
            self._cache[topic] = found
        return found

    def limits(self, cfg: MqttTopic, tag: str) -> tuple[float | None, float | None]:
        lo, hi = self.ranges.get(tag, (None, None))
        return (cfg.min if cfg.min is not None else lo, cfg.max if cfg.max is not None else hi)


def _json_int(text: str) -> int | float:
    """JSON integers; one with hundreds of digits (beyond any float, or Python's 4300-digit
    limit, which made json.loads refuse the whole message) becomes inf, which the item's own
    check rejects, so only that item is lost."""
    return int(text) if len(text) <= 300 else math.inf


_JSON = json.JSONDecoder(parse_int=_json_int)


def _decode_json(payload: bytes) -> Any:
    """json.loads(payload) with big integers bounded, through one decoder (json.loads with
    an option builds a decoder per call). Plain UTF-8 is decoded here; a BOM or the NUL bytes
    of UTF-16/32 (what json.loads detects in bytes) go to json.loads."""
    if len(payload) > 1 and payload[0] and payload[1] and not payload.startswith(b"\xef\xbb\xbf"):
        try:
            return _JSON.decode(payload.decode("utf-8", "surrogatepass"))
        except UnicodeDecodeError:
            pass
    return json.loads(payload, parse_int=_json_int)


def convert(raw: MqttMessage, mapping: TopicMap, rejects: list[Rejected] | None = None,
            ) -> list[Reading]:
    """Readings of one MQTT message; problems go to `rejects` (never raised)."""
    rej = rejects if rejects is not None else []
    src = mapping.source
    hit = mapping.resolve(raw.topic)
    if hit is None:
        rej.append(Rejected(src, None, "topico_desconhecido", raw.topic))
        return []
    cfg, tag = hit
    if cfg.format == "number":
        v = to_float(raw.payload)
        if v is None:
            rej.append(Rejected(src, tag, "nao_numerico", repr(raw.payload[:40])))
            return []
        lo, hi = mapping.limits(cfg, tag)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rej.append(Rejected(src, tag, "fora_da_faixa", f"valor {v} fora de [{lo}, {hi}]"))
            return []
        return [Reading(tag, _ts(raw.received_at), v, "good")]
    try:
        doc = _decode_json(raw.payload)
    except (ValueError, UnicodeDecodeError):
        rej.append(Rejected(src, tag or None, "json_invalido", repr(raw.payload[:60])))
        return []
    if cfg.items_path or isinstance(doc, list):
        try:
            items = _path(doc, cfg.items_path) if cfg.items_path else doc
        except KeyError:
            rej.append(Rejected(src, tag or None, "campo_ausente", cfg.items_path))
            return []
        if not isinstance(items, list):
            rej.append(Rejected(src, tag or None, "campo_ausente", "lista de leituras"))
            return []
    else:
        items = [doc]
    out = []
    for item in items:
        r = _item(item, cfg, tag, raw, mapping, rej)
        if r is not None:
            out.append(r)
    return out


class _Rejection(Exception):
    """One item of a message could not become a Reading (`rejected` says why)."""

    def __init__(self, rejected: Rejected) -> None:
        super().__init__(rejected.reason)
        self.rejected = rejected


def _field(getter: Callable[[Any], Any], item: Any, src: str, tag: str | None, path: str) -> Any:
    """`getter(item)`, or the item is rejected as missing the field at `path`."""
    try:
        return getter(item)
    except KeyError:
        raise _Rejection(Rejected(src, tag, "campo_ausente", path)) from None


def _parsed(raw: Any, parse: Callable[[Any], Any], src: str, tag: str, reason: str) -> Any:
    """`parse(raw)`, or the item is rejected for `reason` (with the raw value, cut to 40)."""
    out = parse(raw)
    if out is None:
        raise _Rejection(Rejected(src, tag, reason, repr(raw)[:40]))
    return out


def _item(item: Any, cfg: MqttTopic, tag: str, raw: MqttMessage, mapping: TopicMap,
          rej: list[Rejected]) -> Reading | None:
    try:
        return _reading(item, cfg, tag, raw, mapping)
    except _Rejection as exc:
        rej.append(exc.rejected)
        return None


def _reading(item: Any, cfg: MqttTopic, tag: str, raw: MqttMessage, mapping: TopicMap) -> Reading:
    src = mapping.source
    g_tag, g_value, g_ts, g_quality = mapping.getters.get(id(cfg)) or TopicMap([cfg]).getters[id(cfg)]
    if g_tag is not None:
        tag = str(_field(g_tag, item, src, None, cfg.tag_path))
    if not tag:
        raise _Rejection(Rejected(src, None, "tag_indefinida", raw.topic))
    value = _field(g_value, item, src, tag, cfg.value_path) if g_value is not None else item
    v = _parsed(value, to_float, src, tag, "nao_numerico")
    if g_ts is not None:
        raw_ts = _field(g_ts, item, src, tag, cfg.ts_path)
        ts = _parsed(raw_ts, parse_ts, src, tag, "data_invalida")
    else:
        ts = _ts(raw.received_at)
    q = "good"
    if g_quality is not None:
        try:
            q = _quality(g_quality(item))
        except KeyError:
            q = "good"
    lo, hi = mapping.limits(cfg, tag)
    bad = check_range(tag, v, lo, hi, src)
    if bad is not None:
        raise _Rejection(bad)
    return Reading(tag, ts, v, q)


def _ts(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class _Ack:
    """The `done` of one QoS 1 message: its PUBACK is due once its readings are durable.
    The batcher calls every `done` of a batch, then each distinct `flush_acks`."""

    __slots__ = ("conn", "mid")

    def __init__(self, conn: MqttConnector, mid: int) -> None:
        self.conn, self.mid = conn, mid

    def __call__(self) -> None:
        self.conn._due.append(self.mid)

    @property
    def flush_acks(self) -> Callable[[], None]:
        return self.conn.flush_acks


class MqttConnector(BrokerConnector):
    """Subscribes to the configured topic patterns and feeds the sink. With `ack =
    "after_store"` (QoS > 0) a message is acknowledged only once its readings are durable:
    QoS 1 PUBACKs wait in `_due` for `flush_acks`, which the batcher calls after each stored
    batch; a message with nothing to store is acknowledged at once."""

    kind = "mqtt"
    cfg: MqttConfig

    def __init__(self, cfg: MqttConfig, ranges: Ranges | None = None) -> None:
        super().__init__(cfg)
        self.mapping = TopicMap(cfg.topics, ranges, cfg.name)
        self._due: list[int] = []  # message ids whose readings are durable, PUBACK not sent
        self._due_lock = threading.Lock()

    def flush_acks(self) -> None:
        """Send the PUBACKs that are due (called by the batcher after each durable batch)."""
        with self._due_lock:
            mids, self._due = self._due, []
        client = self._client
        if mids and client is not None:
            client.ack_many(mids)

    def stats(self) -> dict[str, Any]:
        return {"messages": self.readings_total, "topics_cached": len(self.mapping._cache)}

    def _make_client(self, sink: Callable[..., Any]) -> Any:
        cfg = self.cfg
        v5 = cfg.protocol == "5"
        manual = cfg.qos > 0 and cfg.ack == "after_store"
        client = BufferedClient(
            CallbackAPIVersion.VERSION2, client_id=cfg.client_id,
            clean_session=None if v5 else cfg.clean_session,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311, manual_ack=manual,
        )
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        url = self._configure(client)
        share = f"$share/{cfg.share_group}/" if cfg.share_group else ""
        topics = [(share + t.pattern, cfg.qos) for t in cfg.topics]
        self._callbacks(client, lambda c: c.subscribe(topics))
        client.on_message = self._on_message(sink, manual)
        kwargs: dict[str, Any] = {}
        if v5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = cfg.session_expiry_s
            props.ReceiveMaximum = 65_535  # let the broker keep many un-acked QoS 1 in flight
            kwargs = {"clean_start": cfg.clean_session, "properties": props}
        client.connect_async(url.hostname or "127.0.0.1",
                             url.port or (8883 if url.scheme == "mqtts" else 1883),
                             keepalive=cfg.keepalive_s, **kwargs)
        return client

    def _on_message(self, sink: Callable[..., Any], manual: bool) -> Callable[..., None]:
        mapping = self.mapping

        def on_message(c: Any, _u: Any, msg: Any) -> None:
            raw = MqttMessage(msg.topic, msg.payload, time.time())
            readings = self._convert(raw.topic, lambda rej: convert(raw, mapping, rej))
            if readings:
                self._count(readings)
                done: Any = None
                if manual and msg.qos == 1:
                    done = _Ack(self, msg.mid)
                elif manual and msg.qos > 1:
                    done = functools.partial(c.ack, msg.mid, msg.qos)
                sink(readings, done)
            elif manual and msg.qos > 0:
                c.ack(msg.mid, msg.qos)  # nothing to store: acknowledged at once

        return on_message
