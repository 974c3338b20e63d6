"""The ingester's disk buffer: append-only, fsync'ed segment files holding the batches the
store could not take, replayed oldest first once it is back (or at the next start-up)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telemetry.connectors.base import Reading
from telemetry.storage import EPOCH, StoreRejected

log = logging.getLogger(__name__)


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
