"""The storage interface every backend implements, its errors and time helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from telemetry.connectors.base import Reading

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MEASUREMENT = "reading"


class StoreUnavailable(RuntimeError):
    """The store cannot take writes right now (down, timing out, 5xx): buffer and retry."""


class StoreRejected(RuntimeError):
    """The store refused the data itself (4xx): retrying the same batch will not help."""


@dataclass(frozen=True)
class StoreHealth:
    ok: bool
    backend: str  # influxdb | sql
    detail: str = ""
    latency_ms: float | None = None


class Storage(Protocol):
    backend: str

    def write(self, readings: Sequence[Reading]) -> int: ...

    def read_window(self, tag: str, start: dt.datetime, end: dt.datetime) -> list[Reading]: ...

    def last(self, tag: str) -> Reading | None: ...

    def latest_per_tag(self) -> dict[str, Reading]: ...

    def health(self) -> StoreHealth: ...

    def close(self) -> None: ...


def to_us(ts: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no float rounding)."""
    d = ts - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def check_aware(*values: dt.datetime) -> None:
    for v in values:
        if v.tzinfo is None:
            raise ValueError("naive datetime given to the telemetry store")
