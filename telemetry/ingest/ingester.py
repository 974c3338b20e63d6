"""The supervisor: runs and restarts every connector of the TOML into one batcher, and
reports their health."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from telemetry.config import ConnectorConfig, IngestOptions, TelemetryConfig
from telemetry.connectors.base import Connector
from telemetry.connectors.registry import CONNECTORS
from telemetry.ingest.batcher import Batcher
from telemetry.ingest.buffer import DiskBuffer
from telemetry.ingest.dead_letters import DeadLetters
from telemetry.storage import Storage

log = logging.getLogger(__name__)


def make_connector(cfg: ConnectorConfig,
                   ranges: dict[str, tuple[float | None, float | None]] | None = None) -> Connector:
    return CONNECTORS[cfg.kind](cfg, ranges)


class Ingester:
    """Runs and restarts the connectors; exposes health."""

    def __init__(self, config: TelemetryConfig, store: Storage, buffer_dir: str | Path,
                 ranges: dict[str, tuple[float | None, float | None]] | None = None,
                 on_state: Callable[[list[dict[str, Any]]], Any] | None = None,
                 known_tags: set[str] | None = None, name: str = "ingester") -> None:
        self.config = config
        self.name = name  # its health row ("ingester@2" for instance 2 of several)
        self.opts = config.ingest
        self.store = store
        self.ranges = ranges or {}
        self.buffer = DiskBuffer(buffer_dir, self.opts.segment_max_bytes)
        self.dead = DeadLetters(self.buffer.dir, self.opts, known_tags)
        self.batcher = Batcher(store, self.buffer, self.opts, self.dead)
        self.connectors: dict[str, Connector] = {}
        self.restarts: dict[str, int] = {}
        self.on_state = on_state
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopping = asyncio.Event()
        self.started_at = time.time()

    async def _supervise(self, cfg: ConnectorConfig) -> None:
        backoff = self.opts.restart_initial_s
        while not self._stopping.is_set():
            conn = make_connector(cfg, self.ranges)
            self.connectors[cfg.name] = conn
            t0 = time.monotonic()
            try:
                await conn.run(self.batcher)
                if self._stopping.is_set():
                    return
                log.warning("%s: conector terminou; reiniciando", cfg.name)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await conn.close()
                raise
            except Exception as exc:
                conn.state, conn.last_error = "erro", f"{exc.__class__.__name__}: {exc}"[:300]
                log.error("%s: conector falhou: %s; reinicio em %.0fs", cfg.name, exc, backoff)
            if time.monotonic() - t0 > 60:
                backoff = self.opts.restart_initial_s
            self.restarts[cfg.name] = self.restarts.get(cfg.name, 0) + 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, self.opts.restart_max_s)

    def health(self) -> dict[str, Any]:
        b = self.batcher
        return {
            "readings_per_s": round(b.rate(), 1),
            "stored_total": b.stored_total,
            "buffered_total": b.buffered_total,
            "dropped_total": b.dropped_total,
            "dead_letter": self.dead.summary(),
            "buffer_depth": self.buffer.depth,
            "buffer_segments": self.buffer.segments(),
            "pending": b.pending,
            "store_ok": not b.degraded,
            "store_backend": self.store.backend,
            "last_error": b.last_error,
            "uptime_s": round(time.time() - self.started_at),
            "connectors": [
                {"name": n, "kind": c.kind, "state": c.state, "last_error": c.last_error,
                 "readings_total": c.readings_total, "rejected_total": c.rejects.total,
                 "restarts": self.restarts.get(n, 0), "last_reading_at": c.last_reading_at}
                for n, c in self.connectors.items()
            ],
        }

    def states(self) -> list[dict[str, Any]]:
        """Rows for telemetry_connector_state (the health page and API read them)."""
        h = self.health()
        rows = [{
            "name": self.name, "kind": "ingester",
            "state": ("parado" if self._stopping.is_set()
                      else "conectado" if h["store_ok"] else "degradado"),
            "readings_total": h["stored_total"], "rejected_total": h["dead_letter"]["total"],
            "last_error": h["last_error"],
            "stats": {k: v for k, v in h.items() if k != "connectors"},
        }]
        for c in h["connectors"]:
            ts = c["last_reading_at"]
            rows.append({
                "name": c["name"], "kind": c["kind"], "state": c["state"],
                "last_error": c["last_error"], "readings_total": c["readings_total"],
                "rejected_total": c["rejected_total"],
                "last_reading_at": dt.datetime.fromtimestamp(ts, dt.UTC) if ts else None,
                "stats": {"restarts": c["restarts"],
                          "rejects": [f"{t or '-'}: {r} x{n}" for (t, r), n in
                                      self.connectors[c["name"]].rejects.counts.most_common(10)]},
            })
        return rows

    async def _report(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.opts.state_interval_s)
            if self.on_state is not None:
                try:
                    await asyncio.to_thread(self.on_state, self.states())
                except Exception as exc:
                    log.warning("ingest: estado dos conectores nao gravado: %s", exc)

    async def run(self) -> None:
        """Until `stop()`: supervise connectors; on the way out flush everything."""
        self.batcher.start()
        self._tasks = [asyncio.create_task(self._supervise(c), name=c.name)
                       for c in self.config.connectors]
        self._tasks.append(asyncio.create_task(self._report(), name="report"))
        try:
            await self._stopping.wait()
        finally:
            for name, conn in list(self.connectors.items()):
                try:
                    await asyncio.wait_for(conn.close(), 5)
                except Exception:
                    log.warning("%s: close falhou", name, exc_info=True)
            for t in self._tasks:
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await asyncio.to_thread(self.batcher.stop)
            if self.on_state is not None:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self.on_state, self.states())

    def stop(self) -> None:
        self._stopping.set()


def buffer_dir_for(settings: Any, opts: IngestOptions) -> Path:
    return Path(opts.buffer_dir or settings.ingest_buffer_dir or Path(settings.data_dir) / "ingest-buffer")


@contextlib.contextmanager
def running(ingester: Ingester) -> Iterator[asyncio.AbstractEventLoop]:
    """Run an Ingester on a loop in a background thread (tests, benchmarks, the demo)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def target() -> None:
        asyncio.set_event_loop(loop)

        async def main() -> None:
            ingester._stopping = asyncio.Event()
            ready.set()
            await ingester.run()

        loop.run_until_complete(main())

    th = threading.Thread(target=target, name="ingester", daemon=True)
    th.start()
    ready.wait(10)
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(ingester.stop)
        th.join(60)
        loop.close()
