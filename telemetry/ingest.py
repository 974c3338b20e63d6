"""The ingester (`saae ingest`): one asyncio process supervising every connector of the TOML.

    connectors --sink--> Batcher --writer thread--> store (InfluxDB / SQL)
                                           \\--> DiskBuffer when the store is down

- The batcher is a lock-protected list: connectors (paho's thread, asyncio tasks) append
  without an event-loop hop; one writer thread takes a batch every `flush_interval_s` or as
  soon as `batch_size` readings wait.
- When a write fails with StoreUnavailable, that batch and every later one go to the disk
  buffer (append-only segment files, fsync'ed) so their order is kept; the writer probes the
  store with backoff and replays the segments oldest first, then returns to direct writes.
- Acknowledgements (`done` callbacks, e.g. MQTT PUBACKs) run only once a batch is durable,
  in the store or on disk. Segments left by a previous run are replayed at start-up, so
  neither a store outage nor an ingester restart loses a reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from telemetry.config import ConnectorConfig, IngestOptions, TelemetryConfig
from telemetry.connectors.base import Reading
from telemetry.storage import EPOCH, Storage, StoreRejected, StoreUnavailable, to_us

log = logging.getLogger(__name__)

Done = Callable[[], Any]


# ---------------------------------------------------------------------------------------------
# disk buffer
# ---------------------------------------------------------------------------------------------


def _encode(readings: list[Reading]) -> bytes:
    lines = []
    for r in readings:
        tag = r.tag if "\t" not in r.tag and "\n" not in r.tag else r.tag.replace("\t", " ").replace("\n", " ")
        d = r.ts - EPOCH
        us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
        status = f"\t{r.status}" if r.status else ""
        lines.append(f"{tag}\t{us}\t{float(r.value)!r}\t{r.quality}{status}\n")
    return "".join(lines).encode()


def _decode(lines: list[bytes]) -> list[Reading]:
    import datetime as dt

    out = []
    for line in lines:
        try:
            tag, us, value, q, *status = line.decode().rstrip("\n").split("\t")
            out.append(Reading(tag, EPOCH + dt.timedelta(microseconds=int(us)), float(value), q,
                               int(status[0]) if status else 0))
        except (ValueError, UnicodeDecodeError):
            log.error("buffer: linha corrompida ignorada: %r", line[:80])
    return out


class DiskBuffer:
    """Append-only segment files `NNNNNNNNNNNN.seg`, replayed oldest first.

    A `.pos` file beside a segment records how many bytes of it are already in the store, so
    a replay interrupted by a crash resumes there (and writes are idempotent anyway)."""

    def __init__(self, directory: str | Path, segment_max_bytes: int = 8 * 1024 * 1024) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.segment_max_bytes = segment_max_bytes
        self._fh: Any = None
        self._current: Path | None = None
        self.depth = self._count_existing()

    def _segments(self) -> list[Path]:
        return sorted(self.dir.glob("*.seg"))

    def _count_existing(self) -> int:
        n = 0
        for seg in self._segments():
            pos = self._pos(seg)
            with seg.open("rb") as fh:
                fh.seek(pos)
                n += sum(chunk.count(b"\n") for chunk in iter(lambda f=fh: f.read(1 << 20), b""))
        return n

    def _pos(self, seg: Path) -> int:
        p = seg.with_suffix(".pos")
        try:
            return int(p.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    @property
    def empty(self) -> bool:
        return self.depth == 0

    def segments(self) -> int:
        return len(self._segments())

    def append(self, readings: list[Reading]) -> None:
        if not readings:
            return
        if self._fh is None or self._fh.tell() >= self.segment_max_bytes:
            self._rotate()
        self._fh.write(_encode(readings))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.depth += len(readings)

    def _rotate(self) -> None:
        if self._fh is not None:
            self._fh.close()
        segs = self._segments()
        nxt = int(segs[-1].stem) + 1 if segs else 1
        self._current = self.dir / f"{nxt:012d}.seg"
        self._fh = self._current.open("ab")

    def replay(self, write: Callable[[list[Reading]], Any], chunk: int = 20_000,
               budget_s: float = 2.0) -> int:
        """Write buffered readings oldest first until empty or `budget_s` elapses.

        Raises StoreUnavailable (from `write`) leaving the rest in place."""
        t0 = time.monotonic()
        sent = 0
        for seg in self._segments():
            if seg == self._current:
                # stop appending to it: new readings go to a fresh segment after this one
                self._fh.close()
                self._fh, self._current = None, None
            pos_file = seg.with_suffix(".pos")
            pos = self._pos(seg)
            with seg.open("rb") as fh:
                fh.seek(pos)
                while True:
                    lines = []
                    for line in fh:
                        lines.append(line)
                        if len(lines) >= chunk:
                            break
                    if not lines:
                        break
                    readings = _decode(lines)
                    try:
                        write(readings)
                    except StoreRejected as exc:
                        log.error("buffer: %d leituras recusadas pelo banco, descartadas: %s",
                                  len(readings), exc)
                    pos += sum(len(x) for x in lines)
                    pos_file.write_text(str(pos))
                    self.depth -= len(lines)
                    sent += len(readings)
                    if time.monotonic() - t0 > budget_s:
                        return sent
            seg.unlink()
            pos_file.unlink(missing_ok=True)
        self.depth = max(0, self.depth) if self._segments() else 0
        return sent

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh, self._current = None, None


# ---------------------------------------------------------------------------------------------
# validation and dead letter
# ---------------------------------------------------------------------------------------------

TAG_MAX = 80  # telemetry_reading.tag / telemetry_tag.name


class DeadLetters:
    """Readings set aside, never stored, each with its reason: counted by reason, the last
    ones kept for the health page, and every one appended to `dead-letter.jsonl` beside the
    disk buffer (an operator can inspect or re-feed them).

    Reasons: tag_desconhecida (not in the tags table), tag_invalida (empty or longer than
    80), valor_invalido (NaN, infinite, not a number), data_fora_da_janela (outside the
    window around now), recusada_pelo_banco (the store refused it alone)."""

    def __init__(self, directory: str | Path, opts: IngestOptions,
                 known_tags: set[str] | None = None) -> None:
        self.path = Path(directory) / "dead-letter.jsonl"
        self.opts = opts
        self.known_tags = known_tags if opts.reject_unknown_tags else None
        self.counts: dict[str, int] = {}
        self.last: deque[dict[str, Any]] = deque(maxlen=20)
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reason_of(self, r: Reading, lo_us: float, hi_us: float) -> tuple[str, str] | None:
        tag = r.tag
        if not isinstance(tag, str) or not tag or len(tag) > TAG_MAX:
            return "tag_invalida", f"{len(tag or '')} caracteres"
        if self.known_tags is not None and tag not in self.known_tags:
            return "tag_desconhecida", ""
        v = r.value
        if isinstance(v, bool) or not isinstance(v, int | float) or v - v != 0:
            return "valor_invalido", repr(v)[:40]
        try:
            us = to_us(r.ts)
        except (OverflowError, ValueError, AttributeError, TypeError):
            return "data_fora_da_janela", "data ilegivel"
        if not lo_us <= us <= hi_us:
            return "data_fora_da_janela", r.ts.isoformat()
        return None

    def screen(self, readings: list[Reading]) -> list[Reading]:
        """The readings fit to store; the others go to the dead letter."""
        now_us = time.time() * 1e6
        lo, hi = now_us - self.opts.max_age_s * 1e6, now_us + self.opts.max_future_s * 1e6
        good = []
        for r in readings:
            why = self.reason_of(r, lo, hi)
            if why is None:
                good.append(r)
            else:
                self.add(r, *why)
        return good

    def add(self, r: Reading, reason: str, detail: str = "") -> None:
        import json

        tag = r.tag if isinstance(r.tag, str) else repr(r.tag)
        try:
            ts = r.ts.isoformat()
        except Exception:  # noqa: BLE001
            ts = repr(r.ts)
        row = {"tag": tag[:200], "ts": ts, "value": repr(r.value)[:40], "reason": reason,
               "detail": detail, "at": time.time()}
        with self._lock:
            n = self.counts[reason] = self.counts.get(reason, 0) + 1
            self.last.append(row)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
            except OSError:
                log.warning("ingest: dead letter nao gravado em %s", self.path, exc_info=True)
        if n == 1 or n % 1000 == 0:  # the first of each reason, then every 1000th
            log.warning("ingest: leitura separada (%s) tag=%s %s (n=%d)", reason, tag[:80],
                        detail, n)

    def summary(self) -> dict[str, Any]:
        return {"total": self.total, "por_motivo": dict(self.counts),
                "ultimas": list(self.last)[-10:], "arquivo": str(self.path)}


# ---------------------------------------------------------------------------------------------
# batcher and writer
# ---------------------------------------------------------------------------------------------


class Batcher:
    """Thread-safe sink: `batcher(readings, done=None)`; a writer thread drains it."""

    def __init__(self, store: Storage, buffer: DiskBuffer, opts: IngestOptions,
                 dead: DeadLetters | None = None) -> None:
        self.store = store
        self.buffer = buffer
        self.opts = opts
        self.dead = dead or DeadLetters(buffer.dir, opts)
        self._items: list[Reading] = []
        self._done: list[Done] = []
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.degraded = not buffer.empty  # segments from a previous run: replay first
        self.stored_total = 0
        self.buffered_total = 0
        self.dropped_total = 0
        self.last_error: str | None = None
        self._retry_at = 0.0
        self._backoff = 0.5
        self._rate: deque[tuple[float, int]] = deque(maxlen=64)

    def __call__(self, readings: list[Reading], done: Done | None = None) -> None:
        with self._cond:
            self._items.extend(readings)
            if done is not None:
                self._done.append(done)
            if len(self._items) >= self.opts.batch_size:
                self._cond.notify()

    @property
    def pending(self) -> int:
        return len(self._items)

    def start(self) -> Batcher:
        self._thread = threading.Thread(target=self._loop, name="ingest-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Flush what is pending (to the store or to disk) and stop the writer."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        self.buffer.close()

    def _take(self) -> tuple[list[Reading], list[Done]]:
        with self._cond:
            if not self._stop and len(self._items) < self.opts.batch_size:
                self._cond.wait(self.opts.flush_interval_s)
            items, self._items = self._items, []
            done, self._done = self._done, []
        return items, done

    def _loop(self) -> None:
        while True:
            stopping = self._stop
            items, done = self._take()
            try:
                self._handle(items)
            except Exception:  # never let the writer die: keep the batch on disk instead
                log.exception("ingest: falha inesperada; lote vai para o buffer em disco")
                self.buffer.append(items)
                self.degraded = True
            for fn in done:
                try:
                    fn()
                except Exception:
                    log.debug("ack falhou", exc_info=True)
            # connectors that acknowledge in bulk (MQTT PUBACKs) send them now, in one write
            for flush in {f for fn in done if (f := getattr(fn, "flush_acks", None))}:
                try:
                    flush()
                except Exception:
                    log.debug("ack em lote falhou", exc_info=True)
            if stopping and not self._items:
                return

    def _handle(self, items: list[Reading]) -> None:
        now = time.monotonic()
        if items:
            self._rate.append((now, len(items)))
            # checked once, on the way in: what sits in the disk buffer was checked already
            items = self.dead.screen(items)
        if not self.degraded:
            if not items:
                return
            try:
                self._write(items)
                return
            except StoreUnavailable as exc:
                self._enter_degraded(str(exc))
        self.buffer.append(items)
        self.buffered_total += len(items)
        if self._stop or now < self._retry_at:
            return
        try:
            self.buffer.replay(self._write, self.opts.replay_batch)
        except StoreUnavailable as exc:
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, 30.0)
            self.last_error = str(exc)
            return
        if self.buffer.empty:
            log.info("ingest: banco de series temporais de volta; buffer esvaziado")
            self.degraded = False
            self._backoff = 0.5
            self.last_error = None

    def _write(self, readings: list[Reading]) -> None:
        """Write; a batch the store refuses is split in halves until the readings it refuses
        are alone: those go to the dead letter, every other one is stored."""
        if not readings:
            return
        try:
            self.store.write(readings)
        except StoreRejected as exc:
            if len(readings) == 1:
                self.dropped_total += 1
                self.dead.add(readings[0], "recusada_pelo_banco", str(exc)[:300])
                return
            half = len(readings) // 2
            self._write(readings[:half])
            self._write(readings[half:])
            return
        self.stored_total += len(readings)

    def _enter_degraded(self, why: str) -> None:
        log.warning("ingest: banco indisponivel (%s); gravando no buffer em disco %s", why,
                    self.buffer.dir)
        self.degraded = True
        self.last_error = why
        self._retry_at = time.monotonic() + self._backoff

    def rate(self, window_s: float = 10.0) -> float:
        """Readings per second taken by the writer over the last `window_s` seconds."""
        now = time.monotonic()
        items = [(t, n) for t, n in list(self._rate) if now - t <= window_s]
        if not items:
            return 0.0
        span = max(now - items[0][0], self.opts.flush_interval_s)
        return sum(n for _, n in items) / span


# ---------------------------------------------------------------------------------------------
# supervisor
# ---------------------------------------------------------------------------------------------


def make_connector(cfg: ConnectorConfig,
                   ranges: dict[str, tuple[float | None, float | None]] | None = None) -> Any:
    from telemetry.connectors.base import registry

    return registry()[cfg.kind](cfg, ranges)


class Ingester:
    """Runs and restarts the connectors; exposes health."""

    def __init__(self, config: TelemetryConfig, store: Storage, buffer_dir: str | Path,
                 ranges: dict[str, tuple[float | None, float | None]] | None = None,
                 on_state: Callable[[list[dict[str, Any]]], Any] | None = None,
                 known_tags: set[str] | None = None) -> None:
        self.config = config
        self.opts = config.ingest
        self.store = store
        self.ranges = ranges or {}
        self.buffer = DiskBuffer(buffer_dir, self.opts.segment_max_bytes)
        self.dead = DeadLetters(self.buffer.dir, self.opts, known_tags)
        self.batcher = Batcher(store, self.buffer, self.opts, self.dead)
        self.connectors: dict[str, Any] = {}
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
        import datetime as dt

        h = self.health()
        rows = [{
            "name": "ingester", "kind": "ingester",
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


def run_ingester(settings: Any, config: TelemetryConfig) -> None:
    """`saae ingest`: blocks until SIGINT/SIGTERM, then flushes and exits."""
    import telemetry.models  # noqa: F401  (registers the tables used below)
    from core.db import init_engine
    from core.db import session as db_session
    from telemetry import services
    from telemetry.storage import open_storage

    # no Flask app here: the ingester only needs the database session (not the web stack)
    init_engine(settings.database_url)
    ranges: dict[str, tuple[float | None, float | None]] = {}
    if config.ingest.load_ranges_from_db:
        try:
            ranges = services.tag_ranges()
        except Exception as exc:  # the ingester must run even when the database is down
            log.warning("ingest: faixas plausiveis das tags nao carregadas: %s", exc)
        finally:
            db_session.remove()

    refreshed = [time.monotonic()]

    def on_state(rows: list[dict[str, Any]]) -> None:
        try:
            services.record_connector_states(rows)
            # a tag registered while the ingester runs is accepted within a minute
            if config.ingest.reject_unknown_tags and time.monotonic() - refreshed[0] > 60:
                refreshed[0] = time.monotonic()
                ing.dead.known_tags = set(services.tag_ranges())
        finally:
            db_session.remove()

    known: set[str] | None = None
    if config.ingest.reject_unknown_tags:
        try:
            known = set(services.tag_ranges())
        except Exception as exc:  # without the list, no reading is refused for its tag
            log.warning("ingest: lista de tags nao carregada; tags nao verificadas: %s", exc)
        finally:
            db_session.remove()
    store = open_storage(settings, own_engine=True)
    ing = Ingester(config, store, buffer_dir_for(settings, config.ingest), ranges, on_state,
                   known_tags=known)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, ing.stop)
        log.info("ingest: %d conectores, banco %s, buffer %s", len(config.connectors),
                 store.backend, ing.buffer.dir)
        await ing.run()

    asyncio.run(main())
    store.close()


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


__all__ = ["Batcher", "DiskBuffer", "Ingester", "run_ingester", "running", "to_us"]
