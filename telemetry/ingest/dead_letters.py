"""Readings the ingester sets aside (never stored), each with its reason."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from telemetry.config import IngestOptions
from telemetry.connectors.base import Reading
from telemetry.storage import to_us

log = logging.getLogger(__name__)

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
