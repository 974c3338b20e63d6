"""Rendering invoice PDFs in worker processes while the batch goes on computing.

The workers are started with `spawn` (no inherited database connections or threads) and
import only `commercial.invoice_pdf`. At most `2 x processes` chunks are in flight, so memory stays
flat however large the batch. When processes cannot be started (0 asked, or we already run
inside a daemonic worker) the chunks are rendered in this process.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from commercial import invoice_pdf

log = logging.getLogger(__name__)


def default_processes() -> int:
    return min(2, os.cpu_count() or 1)


class Renderer:
    def __init__(self, processes: int | None = None) -> None:
        n = default_processes() if processes is None else processes
        self.pool: ProcessPoolExecutor | None = None
        if n > 0 and not mp.current_process().daemon:
            try:
                self.pool = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"))
            except (OSError, ValueError, AssertionError):
                log.warning("could not start PDF worker processes; rendering in process")
        self.processes = n if self.pool else 0
        self.pending: deque[Future[tuple[int, int]]] = deque()
        self.pages = 0
        self.bytes = 0
        self.wait_seconds = 0.0
        self.started = time.perf_counter()

    def submit(self, items: list[tuple[str, dict[str, Any]]], print_path: str | None) -> None:
        if self.pool is None:
            n, b = invoice_pdf.render_chunk((items, print_path))
            self.pages += n
            self.bytes += b
            return
        # one piece per worker, so every process renders while the next chunk is computed
        step = len(items) if print_path else max(1, -(-len(items) // self.processes))
        for i in range(0, len(items), step):
            self.pending.append(self.pool.submit(invoice_pdf.render_chunk, (items[i:i + step], print_path)))
        while len(self.pending) > 2 * self.processes:
            self._collect_one()

    def _collect_one(self) -> None:
        t = time.perf_counter()
        n, b = self.pending.popleft().result()
        self.wait_seconds += time.perf_counter() - t
        self.pages += n
        self.bytes += b

    def finish(self) -> dict[str, Any]:
        while self.pending:
            self._collect_one()
        return {"pdfs": self.pages, "pdf_mb": round(self.bytes / 1e6, 1),
                "render_processes": self.processes,
                "pdf_wait": round(self.wait_seconds, 2)}

    def close(self) -> None:
        if self.pool is not None:
            for f in self.pending:
                f.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
