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

import asyncio
import functools
import json
import logging
import math
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from telemetry.config import MqttConfig, MqttTopic, secret
from telemetry.connectors.base import (
    ConnectorStatus,
    Reading,
    Rejected,
    check_range,
    parse_ts,
    to_float,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MqttMessage:
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
                 ranges: dict[str, tuple[float | None, float | None]] | None = None,
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
        doc = json.loads(raw.payload, parse_int=_json_int)
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


def _item(item: Any, cfg: MqttTopic, tag: str, raw: MqttMessage, mapping: TopicMap,
          rej: list[Rejected]) -> Reading | None:
    src = mapping.source
    g_tag, g_value, g_ts, g_quality = mapping.getters.get(id(cfg)) or TopicMap([cfg]).getters[id(cfg)]
    if g_tag is not None:
        try:
            tag = str(g_tag(item))
        except KeyError:
            rej.append(Rejected(src, None, "campo_ausente", cfg.tag_path))
            return None
    if not tag:
        rej.append(Rejected(src, None, "tag_indefinida", raw.topic))
        return None
    try:
        value = g_value(item) if g_value is not None else item
    except KeyError:
        rej.append(Rejected(src, tag, "campo_ausente", cfg.value_path))
        return None
    v = to_float(value)
    if v is None:
        rej.append(Rejected(src, tag, "nao_numerico", repr(value)[:40]))
        return None
    if g_ts is not None:
        try:
            raw_ts = g_ts(item)
        except KeyError:
            rej.append(Rejected(src, tag, "campo_ausente", cfg.ts_path))
            return None
        ts = parse_ts(raw_ts)
        if ts is None:
            rej.append(Rejected(src, tag, "data_invalida", repr(raw_ts)[:40]))
            return None
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
        rej.append(bad)
        return None
    return Reading(tag, ts, v, q)


def _ts(epoch: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class _BufferedSocket:
    """A plain TCP socket read in 64 KiB chunks. paho reads each packet with two or three
    recv() calls of a few bytes; serving them from a buffer (and telling paho through
    `pending()` that more is buffered, as it already asks TLS sockets) roughly halves the
    per-message cost of small messages."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buf = b""
        self._pos = 0

    def recv(self, n: int) -> bytes:
        if self._pos >= len(self._buf):
            data = self._sock.recv(max(n, 65_536))
            if len(data) <= n:
                return data
            self._buf, self._pos = data, 0
        out = self._buf[self._pos:self._pos + n]
        self._pos += len(out)
        return out

    def pending(self) -> int:
        return len(self._buf) - self._pos

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _client_class() -> type:
    import paho.mqtt.client as mqtt

    class BufferedClient(mqtt.Client):
        def _create_socket(self) -> Any:  # type: ignore[override]
            sock = super()._create_socket()
            return sock if hasattr(sock, "pending") else _BufferedSocket(sock)

        def ack_many(self, mids: list[int]) -> None:
            """The PUBACKs of many QoS 1 messages, in order, as one write. paho's ack()
            queues each 4-byte PUBACK with a wake-up of its network thread and a send of
            its own: two system calls per message, a third of the ingester's time on
            one-reading messages."""
            if mids:
                pack = _PUBACK.pack
                self._packet_queue(mqtt.PUBACK, b"".join(pack(mqtt.PUBACK, 2, m) for m in mids),
                                   0, 1)

    return BufferedClient


_PUBACK = struct.Struct("!BBH")


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


class MqttConnector(ConnectorStatus):
    """Subscribes to the configured topic patterns and feeds the sink."""

    kind = "mqtt"

    def __init__(self, cfg: MqttConfig,
                 ranges: dict[str, tuple[float | None, float | None]] | None = None) -> None:
        self.cfg = cfg
        self._init_status(cfg.name)
        self.mapping = TopicMap(cfg.topics, ranges, cfg.name)
        self._client: Any = None
        self._stop: asyncio.Event | None = None
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
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        cfg = self.cfg
        v5 = cfg.protocol == "5"
        client = _client_class()(
            CallbackAPIVersion.VERSION2, client_id=cfg.client_id,
            clean_session=None if v5 else cfg.clean_session,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            manual_ack=cfg.qos > 0 and cfg.ack == "after_store",
        )
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(int(max(1, cfg.reconnect_initial_s)), int(max(1, cfg.reconnect_max_s)))
        if cfg.username:
            client.username_pw_set(cfg.username, secret(cfg.password_env) or None)
        url = urlparse(cfg.url)
        if url.scheme == "mqtts":
            client.tls_set(ca_certs=cfg.ca_file or None)
        topics = [(t.pattern, cfg.qos) for t in cfg.topics]
        mapping = self.mapping
        rejects = self.rejects
        manual = cfg.qos > 0 and cfg.ack == "after_store"

        def on_connect(c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if reason.is_failure:
                self.state, self.last_error = "erro", f"conexão recusada: {reason}"
                return
            self.state, self.last_error = "conectado", None
            log.info("%s: conectado a %s", self.name, cfg.url)
            c.subscribe(topics)

        def on_disconnect(_c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if self.state != "parado":
                self.state = "conectando"
                self.last_error = f"desconectado: {reason}"

        def on_message(c: Any, _u: Any, msg: Any) -> None:
            rej: list[Rejected] = []
            try:
                readings = convert(MqttMessage(msg.topic, msg.payload, time.time()), mapping, rej)
            except Exception as exc:  # a converter bug must not kill paho's thread
                log.exception("%s: falha ao converter %s", self.name, msg.topic)
                rej.append(Rejected(self.name, None, "erro_interno", str(exc)[:100]))
                readings = []
            if rej:
                rejects.add(rej)
            if readings:
                self.readings_total += len(readings)
                self.last_reading_at = time.time()
                done: Any = None
                if manual and msg.qos == 1:
                    done = _Ack(self, msg.mid)
                elif manual and msg.qos > 1:
                    done = functools.partial(c.ack, msg.mid, msg.qos)
                sink(readings, done)
            elif manual and msg.qos > 0:
                c.ack(msg.mid, msg.qos)  # nothing to store: acknowledged at once

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        client.on_message = on_message
        kwargs: dict[str, Any] = {}
        if v5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = cfg.session_expiry_s
            props.ReceiveMaximum = 65_535  # let the broker keep many un-acked QoS 1 in flight
            kwargs = {"clean_start": cfg.clean_session, "properties": props}
        client.connect_async(url.hostname or "127.0.0.1", url.port or (8883 if url.scheme == "mqtts" else 1883),
                             keepalive=cfg.keepalive_s, **kwargs)
        return client

    async def run(self, sink: Callable[..., Any]) -> None:
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
                await asyncio.to_thread(self._shutdown, client)

    @staticmethod
    def _shutdown(client: Any) -> None:
        client.disconnect()
        client.loop_stop()

    async def close(self) -> None:
        self.state = "parado"
        if self._stop is not None:
            self._stop.set()
