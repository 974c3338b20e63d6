"""What the MQTT and Sparkplug B connectors share: a paho client on a broker, started in
its own network thread, configured (reconnect back-off, credentials, TLS) and stopped the
same way, and the connection callbacks that keep the connector's state for the health
page."""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from telemetry.config import BrokerSettings, secret
from telemetry.connectors.base import ConnectorStatus, Reading, Rejected

log = logging.getLogger(__name__)

_PUBACK = struct.Struct("!BBH")


class BufferedSocket:
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


# the properties of every PUBLISH that carries none (read-only: nobody fills it)
_NO_PROPERTIES = Properties(PacketTypes.PUBLISH)


class BufferedClient(mqtt.Client):
    """paho's client reading through a BufferedSocket, with a short path for the common
    MQTT 5 QoS 1 PUBLISH, and acknowledging in bulk."""

    def _create_socket(self) -> Any:  # type: ignore[override]
        sock = super()._create_socket()
        return sock if hasattr(sock, "pending") else BufferedSocket(sock)

    _filtered = False  # a per-topic callback was added (message_callback_add)

    def message_callback_add(self, sub: str, callback: Any) -> None:
        self._filtered = True
        super().message_callback_add(sub, callback)

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """paho reads one packet per select(); the packets already in our buffer are read
        now, without a select() and a pass through paho's loop each."""
        rc = super().loop_read(max_packets)
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
            sock = self._sock
            if not isinstance(sock, BufferedSocket) or sock.pending() <= 0:
                break
            rc = super().loop_read(1)
        return rc

    def _handle_publish(self) -> MQTTErrorCode:
        """An MQTT 5 QoS 1 PUBLISH without properties (what devices send), decoded in a few
        slices; paho's own decoding builds a Properties object per message (a quarter of the
        ingester's time on one-reading messages). Anything else goes to paho."""
        header, packet = self._in_packet["command"], self._in_packet["packet"]
        if self._protocol != mqtt.MQTTv5 or header & 0x06 != 0x02 or len(packet) < 5:
            return super()._handle_publish()
        end = 2 + ((packet[0] << 8) | packet[1])
        if end < 3 or len(packet) < end + 3 or packet[end + 2] != 0:  # topic alias, properties
            return super()._handle_publish()
        mid = (packet[end] << 8) | packet[end + 1]
        # every slot set here; MQTTMessage() would also build a MessageInfo (with a
        # threading.Condition) that a received message never uses
        message = mqtt.MQTTMessage.__new__(mqtt.MQTTMessage)
        message.mid, message._topic, message.payload = mid, bytes(packet[2:end]), bytes(packet[end + 3:])
        message.dup, message.qos, message.retain = bool(header & 0x08), 1, bool(header & 0x01)
        message.properties, message.info, message.state = _NO_PROPERTIES, None, mqtt.mqtt_ms_invalid
        message.timestamp = mqtt.time_func()
        on_message = self.on_message
        if self._filtered or on_message is None:  # per-topic callbacks: paho's way
            self._handle_on_message(message)
        else:
            with self._in_callback_mutex:
                on_message(self, self._userdata, message)
        return MQTTErrorCode.MQTT_ERR_SUCCESS if self._manual_ack else self._send_puback(mid)

    def ack_many(self, mids: list[int]) -> None:
        """The PUBACKs of many QoS 1 messages, in order, as one write. paho's ack()
        queues each 4-byte PUBACK with a wake-up of its network thread and a send of
        its own: two system calls per message, a third of the ingester's time on
        one-reading messages."""
        if mids:
            pack = _PUBACK.pack
            self._packet_queue(mqtt.PUBACK, b"".join(pack(mqtt.PUBACK, 2, m) for m in mids),
                               0, 1)


class BrokerConnector(ConnectorStatus):
    """A connector fed by a broker subscription (paho runs its own network thread)."""

    cfg: BrokerSettings

    def __init__(self, cfg: BrokerSettings) -> None:
        super().__init__(cfg)
        self._client: Any = None
        self._stop: asyncio.Event | None = None

    def _make_client(self, sink: Callable[..., Any]) -> Any:
        raise NotImplementedError

    def _configure(self, client: Any) -> Any:
        """Back-off, credentials and TLS from the configuration; the parsed broker URL."""
        cfg = self.cfg
        client.reconnect_delay_set(int(max(1, cfg.reconnect_initial_s)),
                                   int(max(1, cfg.reconnect_max_s)))
        if cfg.username:
            client.username_pw_set(cfg.username, secret(cfg.password_env) or None)
        url = urlparse(cfg.url)
        if url.scheme == "mqtts":
            client.tls_set(ca_certs=cfg.ca_file or None)
        return url

    def _callbacks(self, client: Any, subscribe: Callable[[Any], None], what: str = "") -> None:
        """on_connect / on_disconnect keeping `state` and `last_error`; `subscribe(client)`
        runs on every (re)connection."""
        cfg = self.cfg

        def on_connect(c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if reason.is_failure:
                self.state, self.last_error = "erro", f"conexão recusada: {reason}"
                return
            self.state, self.last_error = "conectado", None
            log.info("%s: conectado a %s%s", self.name, cfg.url, what)
            subscribe(c)

        def on_disconnect(_c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            if self.state != "parado":
                self.state, self.last_error = "conectando", f"desconectado: {reason}"

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect

    def _convert(self, topic: str, convert: Callable[[list[Rejected]], list[Reading]]
                 ) -> list[Reading]:
        """`convert(rejects)` of one message; a converter bug is logged and counted, never
        raised into paho's thread."""
        rej: list[Rejected] = []
        try:
            readings = convert(rej)
        except Exception as exc:  # a converter bug must not kill paho's thread
            log.exception("%s: falha ao converter %s", self.name, topic)
            rej.append(Rejected(self.name, None, "erro_interno", str(exc)[:100]))
            readings = []
        if rej:
            self.rejects.add(rej)
        return readings

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
                await asyncio.to_thread(_shutdown, client)

    async def close(self) -> None:
        self.state = "parado"
        if self._stop is not None:
            self._stop.set()


def _shutdown(client: Any) -> None:
    client.disconnect()
    client.loop_stop()
