"""The batcher: the connectors' sink and the one writer thread that stores its batches (or
buffers them on disk while the store is down)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from telemetry.config import IngestOptions
from telemetry.connectors.base import Reading
from telemetry.ingest.buffer import DiskBuffer
from telemetry.ingest.dead_letters import DeadLetters
from telemetry.storage import Storage, StoreRejected, StoreUnavailable

log = logging.getLogger(__name__)

Done = Callable[[], Any]


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
