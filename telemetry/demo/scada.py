"""`saae demo`'s SCADA in the web process: the simulator's servers and an ingester reading
them (DemoScada), or a DirectFeeder writing the simulated values straight to the store."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import threading
import time
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from core.db import session as db_session
from telemetry import config as tcfg
from telemetry import services
from telemetry.config import IngestOptions
from telemetry.connectors.base import Reading, quiet_libraries
from telemetry.demo.layout import sample_toml
from telemetry.demo.sim_model import Plant
from telemetry.demo.simulator import Simulator
from telemetry.demo.tags import TAGS, DemoTag, of_protocol
from telemetry.ingest.ingester import Ingester, buffer_dir_for
from telemetry.monitor import start_background
from telemetry.storage import open_storage

log = logging.getLogger(__name__)


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

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def broker_reachable(mqtt_url: str | None, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections at the MQTT URL's host and port."""

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


def demo_scada(app: Any, tick_s: float = 10.0) -> Any:
    """The demo's SCADA in this process: the simulator's OPC UA and Modbus servers (and MQTT
    when the broker answers) read by an in-process ingester into the configured store, its
    health in the database like `saae ingest`'s. If the servers cannot start, a
    DirectFeeder writes the simulated values straight to the store instead."""
    settings = app.config["SAAE_SETTINGS"]
    store = open_storage(settings, own_engine=True)

    def on_state(rows: list[dict[str, Any]]) -> None:
        with app.app_context():
            try:
                services.record_connector_states(rows)
            finally:
                db_session.remove()

    with app.app_context():
        try:
            ranges = services.tag_ranges()
        finally:
            db_session.remove()
    # a buffer of its own: a `saae ingest` on the same data directory must not share it
    buffer_dir = Path(f"{buffer_dir_for(settings, IngestOptions())}-demo")
    # one sample of every tag now, straight to the store: the seeded history ended when the
    # seed ran, a minute or more ago, and the first monitor pass must not take that silence
    # (before the connectors' first readings arrive) for a communication loss
    bridge = DirectFeeder(store)
    try:
        bridge.step(dt.datetime.now(dt.UTC).replace(microsecond=0))
    except Exception:
        log.exception("demonstração: primeira gravação falhou")
    try:
        scada = DemoScada(store, buffer_dir, mqtt_url=settings.mqtt_url, tick_s=tick_s,
                          on_state=on_state, ranges=ranges, plant=bridge.plant)
        return scada.start()
    except Exception:
        log.exception("demonstracao: SCADA simulado nao iniciou; gravando direto no banco")
    feeder = DirectFeeder(store, bridge.plant, tick_s=tick_s)
    feeder.start()
    return feeder


def demo_background(app: Any) -> None:
    """`saae demo`: the SCADA simulator and an ingester in process (demo_scada), and the
    detection monitor beside them."""
    settings = app.config["SAAE_SETTINGS"]
    if not settings.simulator:
        return
    quiet_libraries()
    app.extensions["telemetry_simulator"] = demo_scada(app)
    start_background(app)
