"""OPC UA connector (asyncua 2.1 client).

Subscriptions with a publishing interval, a per-item sampling interval and an absolute
deadband (DataChangeFilter); a polling mode (Read service every `poll_interval_s`) for servers
without subscriptions, also used automatically when creating the subscription is refused.
Security policy and mode, the application certificate of the secure channel, and the user
identity (user/password, the password from an environment variable, or an X.509 user
certificate and key) come from the TOML block. On a lost connection the client is rebuilt with
exponential backoff. The source timestamp and the status code of each value are kept:
the raw code in `Reading.status`, its severity as the quality, Good -> "good", Uncertain ->
"uncertain", Bad -> "bad" (bad values without a value are rejected; with a value they are
stored as bad, so detection can ignore them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telemetry.config import OpcUaConfig, OpcUaNode, secret
from telemetry.connectors.base import (
    Ranges,
    Reading,
    ReconnectingConnector,
    Rejected,
    check_range,
    parse_ts,
    to_float,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpcValue:
    """One DataValue as the converter sees it (no asyncua types: testable without a server)."""

    node: str  # node id string as written in the TOML ("ns=2;s=ETA-01.CLORO")
    value: Any
    status: int = 0  # OPC UA StatusCode (0 = Good)
    source_ts: dt.datetime | None = None
    server_ts: dt.datetime | None = None


def quality_of(status: int) -> str:
    """OPC UA status code severity (two top bits): 00 good, 01 uncertain, 1x bad."""
    severity = (status >> 30) & 0b11
    return "good" if severity == 0 else "uncertain" if severity == 1 else "bad"


@dataclass(frozen=True)
class OpcMapping:
    nodes: dict[str, OpcUaNode]  # normalized node id -> node config
    ranges: Ranges | None = None
    source: str = "opcua"

    @classmethod
    def build(cls, nodes: tuple[OpcUaNode, ...] | list[OpcUaNode],
              ranges: Ranges | None = None,
              source: str = "opcua") -> OpcMapping:
        return cls({normalize(n.node): n for n in nodes}, ranges, source)

    def limits(self, n: OpcUaNode) -> tuple[float | None, float | None]:
        lo, hi = (self.ranges or {}).get(n.tag, (None, None))
        return (n.min if n.min is not None else lo, n.max if n.max is not None else hi)


def normalize(node: str) -> str:
    """Canonical node id string ("ns=0;i=5" and "i=5" are the same node)."""
    try:
        from asyncua import ua  # why: asyncua is heavy; only an OPC UA configuration needs it

        return ua.NodeId.from_string(node).to_string()
    except Exception:  # asyncua rejects the string: keep it, the server will say why
        return node.strip()


def convert(raw: list[OpcValue], mapping: OpcMapping, rejects: list[Rejected] | None = None,
            now: dt.datetime | None = None) -> list[Reading]:
    """Readings of a batch of data changes (or of one poll)."""
    rej = rejects if rejects is not None else []
    out = []
    for item in raw:
        n = mapping.nodes.get(item.node) or mapping.nodes.get(normalize(item.node))
        if n is None:
            rej.append(Rejected(mapping.source, None, "no_desconhecido", item.node))
            continue
        q = quality_of(item.status)
        if item.value is None:
            rej.append(Rejected(mapping.source, n.tag, "sem_valor", f"status 0x{item.status:08X}"))
            continue
        v = to_float(item.value) if not isinstance(item.value, str) else None
        if v is None:
            rej.append(Rejected(mapping.source, n.tag, "nao_numerico", repr(item.value)[:40]))
            continue
        lo, hi = mapping.limits(n)
        bad = check_range(n.tag, v, lo, hi, mapping.source)
        if bad is not None:
            rej.append(bad)
            continue
        ts = parse_ts(item.source_ts) or parse_ts(item.server_ts) or now or dt.datetime.now(dt.UTC)
        out.append(Reading(n.tag, ts, v, q, item.status & 0xFFFFFFFF))
    return out


def _from_datavalue(node: str, dv: Any) -> OpcValue:
    variant = dv.Value
    value = variant.Value if variant is not None else None
    status = dv.StatusCode.value if dv.StatusCode is not None else 0
    return OpcValue(node, value, status, dv.SourceTimestamp, dv.ServerTimestamp)


class _Handler:
    def __init__(self, conn: OpcUaConnector, sink: Callable[..., Any]) -> None:
        self.conn = conn
        self.sink = sink

    def datachange_notification(self, node: Any, _val: Any, data: Any) -> None:
        self.conn._deliver([_from_datavalue(node.nodeid.to_string(), data.monitored_item.Value)],
                           self.sink)

    def status_change_notification(self, status: Any) -> None:
        log.warning("%s: estado da assinatura mudou: %s", self.conn.name, status)


class OpcUaConnector(ReconnectingConnector):
    kind = "opcua"

    def __init__(self, cfg: OpcUaConfig, ranges: Ranges | None = None) -> None:
        super().__init__(cfg)
        self.mode = cfg.mode
        self.mapping = OpcMapping.build(cfg.nodes, ranges, cfg.name)

    def _deliver(self, values: list[OpcValue], sink: Callable[..., Any]) -> None:
        rej: list[Rejected] = []
        readings = convert(values, self.mapping, rej)
        if rej:
            self.rejects.add(rej)
        if readings:
            self._count(readings)
            sink(readings)

    async def _client(self) -> Any:
        from asyncua import Client, ua  # why: asyncua is heavy (~1 s); loaded when dialing
        from asyncua.crypto import security_policies as sp  # why: asyncua is heavy

        cfg = self.cfg
        client = Client(cfg.endpoint, timeout=cfg.timeout_s, watchdog_intervall=1.0)
        client.name = client.description = "SAAE coletor de telemetria"
        client.application_uri = "urn:saae:telemetria:coletor"
        if cfg.username:
            client.set_user(cfg.username)
            client.set_password(secret(cfg.password_env))
        elif cfg.user_certificate:  # X509IdentityToken, signed with the user's key
            await client.load_client_certificate(cfg.user_certificate)
            await client.load_private_key(cfg.user_private_key)
        if cfg.security_policy != "None":
            policy = getattr(sp, f"SecurityPolicy{cfg.security_policy}")
            mode = getattr(ua.MessageSecurityMode, cfg.security_mode)
            await client.set_security(policy, cfg.certificate, cfg.private_key,
                                      server_certificate=cfg.server_certificate or None, mode=mode)
        return client

    async def _subscribe(self, client: Any, sink: Callable[..., Any]) -> bool:
        """Create the subscription; False when the server refuses (-> polling)."""
        from asyncua import ua  # why: asyncua is heavy; loaded when dialing

        cfg = self.cfg
        try:
            sub = await client.create_subscription(cfg.publishing_interval_ms, _Handler(self, sink))
        except ua.UaStatusCodeError as exc:
            log.warning("%s: servidor recusou assinatura (%s); usando leitura periódica",
                        self.name, exc)
            return False
        groups: dict[float, list[Any]] = {}
        for n in cfg.nodes:
            db = n.deadband if n.deadband is not None else cfg.deadband
            groups.setdefault(db, []).append(client.get_node(n.node))
        for deadband, nodes in groups.items():
            mfilter = None
            if deadband > 0:
                mfilter = ua.DataChangeFilter()
                mfilter.Trigger = ua.DataChangeTrigger.StatusValue
                mfilter.DeadbandType = 1  # absolute
                mfilter.DeadbandValue = float(deadband)
            try:
                results = await sub._subscribe(nodes, ua.AttributeIds.Value, mfilter, 0,
                                               ua.MonitoringMode.Reporting,
                                               float(cfg.sampling_interval_ms))
            except ua.UaStatusCodeError as exc:
                log.warning("%s: itens monitorados recusados (%s); usando leitura periódica",
                            self.name, exc)
                return False
            for node, res in zip(nodes, results, strict=False):
                if isinstance(res, ua.StatusCode):
                    self.rejects.add([Rejected(self.name, None, "no_recusado",
                                               f"{node.nodeid.to_string()}: {res}")])
        return True

    async def _poll_loop(self, client: Any, sink: Callable[..., Any], lost: asyncio.Event) -> None:
        nodes = [client.get_node(n.node) for n in self.cfg.nodes]
        keys = [n.nodeid.to_string() for n in nodes]
        while not self._stop.is_set() and not lost.is_set():
            t0 = time.monotonic()
            dvs = await client.read_attributes(nodes)
            self._deliver([_from_datavalue(k, dv) for k, dv in zip(keys, dvs, strict=False)], sink)
            wait = max(0.0, self.cfg.poll_interval_s - (time.monotonic() - t0))
            await _wait_any(self._stop, lost, wait)

    async def _session(self, sink: Callable[..., Any]) -> None:
        cfg = self.cfg
        lost = asyncio.Event()
        client = None
        try:
            client = await self._client()

            async def on_lost(exc: Exception, ev: asyncio.Event = lost) -> None:
                self.last_error = f"conexão perdida: {exc!r}"[:300]
                ev.set()

            client.connection_lost_callback = on_lost
            await client.connect()
            self._connected()
            self.mode = cfg.mode
            if cfg.mode == "subscription" and await self._subscribe(client, sink):
                await _wait_any(self._stop, lost, None)
            else:
                self.mode = "polling"
                await self._poll_loop(client, sink, lost)
        finally:
            if client is not None:
                try:
                    await asyncio.wait_for(client.disconnect(), 3)
                except Exception:
                    log.debug("%s: disconnect falhou", self.name, exc_info=True)


async def _wait_any(a: asyncio.Event, b: asyncio.Event | None, timeout: float | None) -> None:
    waits = [asyncio.ensure_future(a.wait())]
    if b is not None:
        waits.append(asyncio.ensure_future(b.wait()))
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
