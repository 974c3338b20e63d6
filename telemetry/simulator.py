"""SCADA simulator (`saae simulate`): the demo utility's tags over real protocols.

- OPC UA (asyncua server): plant and intake tags, node ids `ns=2;s=<tag>`.
- Modbus TCP (pymodbus server, device id 1): wells and pumping stations, float32 holding
  registers, a scaled uint16 input register per well level and the pump states as coils.
- MQTT (paho, QoS 1): reservoirs and DMAs publish JSON to `saae/sim/<asset>/<variable>`.

Values come from `telemetry.sim_model.Plant` (daily patterns). Events are injected by
`Simulator.inject` or by a JSON command on the MQTT topic `saae/sim/controle`
(`{"acao": "injetar", "tipo": "rompimento", "alvo": "SET-02", "duracao_s": 1800}`), which is
what `saae simulate inject` and the API endpoint send when the simulator is another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import gzip
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from telemetry.connectors.base import Reading, to_float
from telemetry.connectors.modbus import encode
from telemetry.demo_tags import TAGS, DemoTag, of_protocol
from telemetry.sim_model import EVENT_KINDS, Plant

log = logging.getLogger(__name__)

CONTROL_TOPIC = "saae/sim/controle"
MQTT_PREFIX = "saae/sim"
OPC_NS = "urn:saae:simulador"


@dataclass(frozen=True)
class ModbusSlot:
    tag: str
    table: str  # holding | input | coil
    address: int
    type: str  # float32 | uint16 | bool
    scale: float = 1.0


def modbus_layout() -> list[ModbusSlot]:
    """Where each Modbus tag of the demo lives in the simulated PLC (device id 1)."""
    slots, hr, ir, co = [], 0, 0, 0
    for t in of_protocol("modbus"):
        if t.quantity == "estado":
            slots.append(ModbusSlot(t.name, "coil", co, "bool"))
            co += 1
        elif t.quantity == "nivel":  # level in centimetres in a uint16 input register
            slots.append(ModbusSlot(t.name, "input", ir, "uint16", 0.01))
            ir += 1
        else:
            slots.append(ModbusSlot(t.name, "holding", hr, "float32"))
            hr += 2
    return slots


def mqtt_topic(tag: DemoTag, prefix: str = MQTT_PREFIX) -> str:
    asset, var = tag.name.split(".", 1)
    return f"{prefix}/{asset}/{var}"


def sample_toml(opcua_port: int = 4840, modbus_port: int = 5020,
                mqtt_url: str = "mqtt://127.0.0.1:1883", mqtt_prefix: str = MQTT_PREFIX,
                client_id: str = "saae-ingest") -> str:
    """The connectors' TOML that reads this simulator (shipped as telemetry/simulator.toml)."""
    lines = [
        "# Conectores da telemetria para o simulador da demonstração (saae simulate).",
        "# Gerado por telemetry.simulator.sample_toml(); use como modelo para a planta real.",
        "",
        "[ingest]",
        "batch_size = 5000",
        "flush_interval_s = 0.5",
        "",
        "[[connector]]",
        'name = "eta-opcua"',
        'kind = "opcua"',
        f'endpoint = "opc.tcp://127.0.0.1:{opcua_port}/saae/"',
        'mode = "subscription"',
        "publishing_interval_ms = 1000",
        "sampling_interval_ms = 500",
        "deadband = 0.0",
        'security_policy = "None"',
        "# numa planta real: canal assinado e cifrado com o certificado do coletor, e o usuário",
        "# por senha (lida da variável de ambiente, nunca escrita aqui) ou por certificado:",
        '# security_policy = "Basic256Sha256"',
        '# security_mode = "SignAndEncrypt"',
        '# certificate = "/etc/saae/opcua/coletor.der"',
        '# private_key = "/etc/saae/opcua/coletor.pem"',
        '# username = "scada"',
        '# password_env = "SAAE_OPCUA_SENHA"',
        '# user_certificate = "/etc/saae/opcua/operador.der"  # em vez de username',
        '# user_private_key = "/etc/saae/opcua/operador.pem"',
        '# mode = "polling" e poll_interval_s = 5.0 para servidores sem assinaturas',
    ]
    for t in of_protocol("opcua"):
        lines += ["", "[[connector.nodes]]", f'node = "ns=2;s={t.name}"', f'tag = "{t.name}"']
    lines += [
        "",
        "[[connector]]",
        'name = "pocos-modbus"',
        'kind = "modbus"',
        'host = "127.0.0.1"',
        f"port = {modbus_port}",
        "device_id = 1",
        "poll_interval_s = 5.0",
    ]
    for s in modbus_layout():
        lines += ["", "[[connector.points]]", f'tag = "{s.tag}"', f'table = "{s.table}"',
                  f"address = {s.address}"]
        if s.type != "bool":
            lines.append(f'type = "{s.type}"')
        if s.scale != 1.0:
            lines.append(f"scale = {s.scale}")
    lines += [
        "",
        "[[connector]]",
        'name = "campo-mqtt"',
        'kind = "mqtt"',
        f'url = "{mqtt_url}"',
        f'client_id = "{client_id}"',
        "qos = 1",
        "clean_session = false",
        "# sessão persistente: o broker guarda o que chegar enquanto o coletor estiver fora.",
        "# after_store: confirma (PUBACK) so depois de gravar no banco ou no buffer em disco;",
        "# nem um kill -9 perde leituras. No Mosquitto do SAAE use persistence true e, para",
        "# taxas altas, max_queued_messages 0 (ou alto) e max_inflight_messages alto: o padrão",
        "# (1000 mensagens por cliente) descarta o excedente de um consumidor atrasado.",
        'ack = "after_store"',
        "",
        "[[connector.topics]]",
        f'pattern = "{mqtt_prefix}/+/+"',
        'tag = "{0}.{1}"',
        'format = "json"',
        'value_path = "v"',
        'ts_path = "t"',
        'quality_path = "q"',
        "",
        "# lotes de leituras (replay de CSV, gateways): [{\"tag\": ..., \"v\": ..., \"t\": ...}]",
        "[[connector.topics]]",
        f'pattern = "{mqtt_prefix.rsplit("/", 1)[0]}/lote/#"',
        'tag = ""',
        'format = "json"',
        'tag_path = "tag"',
        'value_path = "v"',
        'ts_path = "t"',
        'quality_path = "q"',
        "",
    ]
    return "\n".join(lines)


class Simulator:
    """Serves the plant's values; `run()` until `stop()`."""

    def __init__(self, plant: Plant | None = None, *, opcua_port: int = 4840,
                 modbus_port: int = 5020, mqtt_url: str | None = "mqtt://127.0.0.1:1883",
                 tick_s: float = 5.0, host: str = "127.0.0.1",
                 mqtt_prefix: str = MQTT_PREFIX) -> None:
        self.plant = plant or Plant()
        self.opcua_port, self.modbus_port, self.mqtt_url = opcua_port, modbus_port, mqtt_url
        self.tick_s = tick_s
        self.host = host
        self.mqtt_prefix = mqtt_prefix
        self._stop = asyncio.Event()
        self._opc: Any = None
        self._opc_nodes: dict[str, Any] = {}
        self._mb: Any = None
        self._mqtt: Any = None
        self.ticks = 0
        self.ready = threading.Event()

    # -- servers ------------------------------------------------------------------------
    async def _start_opcua(self) -> None:
        from asyncua import Server, ua

        srv = Server()
        await srv.init()
        srv.set_endpoint(f"opc.tcp://{self.host}:{self.opcua_port}/saae/")
        srv.set_server_name("SAAE Vale Verde - simulador SCADA")
        srv.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await srv.register_namespace(OPC_NS)
        assets: dict[str, Any] = {}
        for t in of_protocol("opcua"):
            if t.asset_code not in assets:
                assets[t.asset_code] = await srv.nodes.objects.add_object(idx, t.asset_code)
            node = await assets[t.asset_code].add_variable(ua.NodeId(t.name, idx), t.name,
                                                           ua.Variant(float(t.base), ua.VariantType.Double))
            self._opc_nodes[t.name] = node
        await srv.start()
        self._opc = srv

    async def _start_modbus(self) -> None:
        from pymodbus.server import ModbusTcpServer
        from pymodbus.simulator import DataType, SimData, SimDevice

        dev = SimDevice(id=1, simdata=(
            [SimData(0, count=64, values=False, datatype=DataType.BITS)],
            [SimData(0, count=64, values=False, datatype=DataType.BITS)],
            [SimData(0, count=200, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, count=200, values=0, datatype=DataType.REGISTERS)],
        ))
        self._mb = ModbusTcpServer([dev], address=(self.host, self.modbus_port))
        await self._mb.serve_forever(background=True)

    def _start_mqtt(self) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        url = urlparse(self.mqtt_url or "")
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"saae-simulador-{self.opcua_port}")
        c.on_connect = lambda cl, *_a: cl.subscribe(self.mqtt_prefix + "/controle", qos=1)
        c.on_message = lambda _c, _u, msg: self._control(msg.payload)
        c.connect_async(url.hostname or "127.0.0.1", url.port or 1883, keepalive=30)
        c.loop_start()
        self._mqtt = c

    def _control(self, payload: bytes) -> None:
        try:
            cmd = json.loads(payload)
            if cmd.get("acao") == "limpar":
                self.plant.clear(cmd.get("id"))
                return
            dur = cmd.get("duracao_s")
            self.plant.inject(cmd["tipo"], cmd["alvo"], dt.datetime.now(dt.UTC),
                              dt.timedelta(seconds=float(dur)) if dur else None)
            log.info("simulador: evento %s em %s", cmd["tipo"], cmd["alvo"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("simulador: comando inválido %r: %s", payload[:200], exc)

    def inject(self, kind: str, target: str, duration: dt.timedelta | None = None) -> Any:
        return self.plant.inject(kind, target, dt.datetime.now(dt.UTC), duration)

    # -- one tick -----------------------------------------------------------------------
    async def publish(self, t: dt.datetime) -> dict[str, tuple[float, str] | None]:
        values = self.plant.sample(t)
        if self._opc is not None:
            from asyncua import ua

            for name, node in self._opc_nodes.items():
                vq = values.get(name)
                if vq is None:
                    dv = ua.DataValue(ua.Variant(None), StatusCode=ua.StatusCode(
                        ua.StatusCodes.BadCommunicationError), SourceTimestamp=t, ServerTimestamp=t)
                else:
                    dv = ua.DataValue(ua.Variant(float(vq[0]), ua.VariantType.Double),
                                      SourceTimestamp=t, ServerTimestamp=t)
                await node.write_value(dv)
        if self._mb is not None:
            for s in modbus_layout():
                vq = values.get(s.tag)
                if s.table == "coil":
                    await self._mb.async_setValues(1, 1, s.address, [bool(vq and vq[0] >= 0.5)])
                elif s.type == "float32":
                    regs = encode(float("nan") if vq is None else vq[0], "float32")
                    await self._mb.async_setValues(1, 3, s.address, regs)
                else:
                    raw = 0xFFFF if vq is None else int(round(vq[0] / s.scale))
                    await self._mb.async_setValues(1, 4, s.address, [min(0xFFFF, max(0, raw))])
        if self._mqtt is not None:
            iso = t.isoformat().replace("+00:00", "Z")
            for tag in of_protocol("mqtt"):
                vq = values.get(tag.name)
                if vq is not None:
                    self._mqtt.publish(mqtt_topic(tag, self.mqtt_prefix), json.dumps({"v": vq[0], "t": iso, "q": vq[1]}),
                                       qos=1)
        self.ticks += 1
        return values

    async def run(self) -> None:
        self._stop = asyncio.Event()
        if self.opcua_port:
            await self._start_opcua()
        if self.modbus_port:
            await self._start_modbus()
        if self.mqtt_url:
            self._start_mqtt()
        log.info("simulador: OPC UA :%s, Modbus :%s, MQTT %s", self.opcua_port, self.modbus_port,
                 self.mqtt_url)
        self.ready.set()
        try:
            while not self._stop.is_set():
                t0 = time.monotonic()
                try:
                    await self.publish(dt.datetime.now(dt.UTC))
                except Exception:  # one bad tick must not stop the simulator
                    log.exception("simulador: falha ao publicar")
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(),
                                           max(0.05, self.tick_s - (time.monotonic() - t0)))
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        if self._mqtt is not None:
            self._mqtt.disconnect()
            self._mqtt.loop_stop()
        if self._mb is not None:
            await self._mb.shutdown()
        if self._opc is not None:
            await self._opc.stop()

    def stop(self) -> None:
        self._stop.set()


# ---------------------------------------------------------------------------------------------
# in-process simulator for `saae demo` (no servers: straight into the store)
# ---------------------------------------------------------------------------------------------

_current: dict[str, Any] = {}


def current_plant() -> Plant | None:
    """The plant of the simulator running in this process (`saae demo`), if any."""
    return _current.get("plant")


class DirectFeeder(threading.Thread):
    """Writes the plant's values to a store every `tick_s` (the embedded demo's fallback, and
    its MQTT tags when no broker answers). `tags` limits it to some of the demo's tags."""

    def __init__(self, store: Any, plant: Plant | None = None, tick_s: float = 10.0,
                 tags: tuple[DemoTag, ...] | list[DemoTag] = TAGS) -> None:
        super().__init__(name="simulador-demo", daemon=True)
        self.store = store
        self.plant = plant or Plant()
        self.tick_s = tick_s
        self.tags = tuple(tags)
        self._stop_ev = threading.Event()
        self.written = 0
        self.started = time.monotonic()
        _current["plant"] = self.plant

    def rate(self) -> float:
        """Readings per second written since the start."""
        return self.written / max(1.0, time.monotonic() - self.started)

    def step(self, t: dt.datetime) -> int:
        values = self.plant.sample(t, self.tags)
        readings = [Reading(n, t, vq[0], vq[1]) for n, vq in values.items() if vq is not None]
        self.store.write(readings)
        self.written += len(readings)
        return len(readings)

    KEEP = dt.timedelta(days=8)  # the embedded store keeps about a week of demo readings

    def run(self) -> None:
        ticks = 0
        while not self._stop_ev.is_set():
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            try:
                self.step(now)
                ticks += 1
                if ticks % 360 == 0 and hasattr(self.store, "prune"):
                    self.store.prune(now - self.KEEP)
            except Exception:
                log.exception("simulador da demonstração: falha ao gravar leituras")
            self._stop_ev.wait(self.tick_s)

    def stop(self) -> None:
        self._stop_ev.set()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def broker_reachable(mqtt_url: str | None, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections at the MQTT URL's host and port."""
    import socket

    if not mqtt_url:
        return False
    url = urlparse(mqtt_url)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 1883), timeout):
            return True
    except OSError:
        return False


class DemoScada:
    """`saae demo`'s SCADA, all in this process: the simulator's real OPC UA and Modbus TCP
    servers on free loopback ports (and its MQTT publishes when the broker answers), and an
    ingester (the same `Ingester` as `saae ingest`) reading them over those protocols into
    the store. Without a broker the MQTT tags are written by a DirectFeeder instead.

    Looks like a DirectFeeder to the health page (`plant`, `is_alive`, `rate`, `written`)."""

    def __init__(self, store: Any, buffer_dir: str | Path, *, mqtt_url: str | None,
                 tick_s: float = 10.0, plant: Plant | None = None,
                 on_state: Any = None, ranges: dict[str, tuple[float | None, float | None]]
                 | None = None, host: str = "127.0.0.1") -> None:
        import os
        import tomllib

        from telemetry import config as tcfg

        self.plant = plant or Plant()
        self.store = store
        use_mqtt = broker_reachable(mqtt_url)
        # a prefix and a client id of this process: two demos on one broker do not mix
        tag = f"demo{os.getpid()}"
        self.sim = Simulator(self.plant, opcua_port=_free_port(host), modbus_port=_free_port(host),
                             mqtt_url=mqtt_url if use_mqtt else None, tick_s=tick_s, host=host,
                             mqtt_prefix=f"saae/{tag}/sim")
        doc = tomllib.loads(sample_toml(self.sim.opcua_port, self.sim.modbus_port,
                                        mqtt_url or "mqtt://127.0.0.1:1883",
                                        mqtt_prefix=self.sim.mqtt_prefix,
                                        client_id=f"saae-{tag}-ingest"))
        doc["connector"][1]["poll_interval_s"] = tick_s
        doc["ingest"]["state_interval_s"] = min(5.0, max(1.0, tick_s))
        for c in doc["connector"]:
            if c["kind"] == "mqtt":
                c["session_expiry_s"] = 600  # a demo's session need not outlive it by a day
        if not use_mqtt:
            doc["connector"] = [c for c in doc["connector"] if c["kind"] != "mqtt"]
        from telemetry.ingest import Ingester

        self.ingester = Ingester(tcfg.parse(doc), store, buffer_dir, ranges, on_state)
        self.feeder = None if use_mqtt else DirectFeeder(store, self.plant, tick_s,
                                                         of_protocol("mqtt"))
        self._threads: list[threading.Thread] = []
        self._loops: list[asyncio.AbstractEventLoop] = []
        self.started = time.monotonic()
        _current["plant"] = self.plant

    def _serve(self, name: str, coro_fn: Any) -> None:
        loop = asyncio.new_event_loop()
        self._loops.append(loop)

        def target() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(coro_fn())
            except Exception:
                log.exception("demonstração: %s parou", name)

        th = threading.Thread(target=target, name=name, daemon=True)
        th.start()
        self._threads.append(th)

    def start(self) -> DemoScada:
        self._serve("simulador-scada", self.sim.run)
        if not self.sim.ready.wait(30):
            raise RuntimeError("simulador SCADA não iniciou")

        async def ingest() -> None:
            self.ingester._stopping = asyncio.Event()
            await self.ingester.run()

        self._serve("coletor-demo", ingest)
        if self.feeder is not None:
            self.feeder.start()
        log.info("demonstração: SCADA simulado em OPC UA :%s e Modbus :%s%s, coletor em processo",
                 self.sim.opcua_port, self.sim.modbus_port,
                 ", MQTT sem broker (gravação direta)" if self.feeder else "")
        return self

    def is_alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    @property
    def written(self) -> int:
        b = self.ingester.batcher
        return b.stored_total + b.buffered_total + (self.feeder.written if self.feeder else 0)

    def rate(self) -> float:
        return self.written / max(1.0, time.monotonic() - self.started)

    def stop(self, timeout: float = 15.0) -> None:
        if self.feeder is not None:
            self.feeder.stop()
        loops = dict(zip(("sim", "ingest"), self._loops, strict=False))
        if "ingest" in loops:
            loops["ingest"].call_soon_threadsafe(self.ingester.stop)
        if "sim" in loops:
            loops["sim"].call_soon_threadsafe(self.sim.stop)
        for th in self._threads:
            th.join(timeout)
        _current.pop("plant", None)


def send_control(mqtt_url: str, command: dict[str, Any], prefix: str = MQTT_PREFIX) -> None:
    """Publish a command to a simulator running in another process (raises OSError when the
    broker cannot be reached)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

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
    from telemetry.connectors.base import parse_ts

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
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

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
