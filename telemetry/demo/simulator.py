"""The demo's SCADA simulator (`saae simulate`): the simulated plant served over real OPC UA
and Modbus TCP servers and published to MQTT, with events injected over MQTT."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from telemetry.connectors.modbus import encode
from telemetry.demo.layout import MQTT_PREFIX, OPC_NS, modbus_layout, mqtt_topic
from telemetry.demo.sim_model import Plant
from telemetry.demo.tags import of_protocol

log = logging.getLogger(__name__)


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
        from asyncua import (  # why: asyncua is heavy (~1 s); only the OPC UA server needs it
            Server,
            ua,
        )

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
        from pymodbus.server import ModbusTcpServer  # why: optional heavy dependency
        from pymodbus.simulator import DataType, SimData, SimDevice  # why: as above

        dev = SimDevice(id=1, simdata=(
            [SimData(0, count=64, values=False, datatype=DataType.BITS)],
            [SimData(0, count=64, values=False, datatype=DataType.BITS)],
            [SimData(0, count=200, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, count=200, values=0, datatype=DataType.REGISTERS)],
        ))
        self._mb = ModbusTcpServer([dev], address=(self.host, self.modbus_port))
        await self._mb.serve_forever(background=True)

    def _start_mqtt(self) -> None:
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
            from asyncua import ua  # why: asyncua is heavy; loaded only with the OPC UA server

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
