"""The connector interface: one reading type, one protocol (the registry of connector
classes is telemetry.connectors.registry; this module imports none of them).

A connector turns a protocol's raw data into `Reading`s through a pure `convert(raw, mapping)`
and hands them to a sink (the ingester's batcher). Problems with single values (not a
number, unknown topic, out of the plausible range...) are counted in `Rejects` and logged
with the tag and the reason; they never stop the connector and are never stored as values.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

QUALITIES = ("good", "bad", "uncertain")


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one tag at one instant (aware UTC), with its quality and, from OPC UA,
    the source's raw status code (0 = Good; kept in InfluxDB and the disk buffer, not in
    the embedded SQL table, which keeps the quality only)."""

    tag: str
    ts: dt.datetime
    value: float
    quality: str = "good"  # good | bad | uncertain
    status: int = 0  # OPC UA StatusCode (e.g. 0x408F0000 UncertainLastUsableValue)

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:
            raise ValueError("Reading.ts must be timezone-aware (UTC)")
        if self.quality not in QUALITIES:
            raise ValueError(f"invalid quality {self.quality!r}")


@dataclass(frozen=True, slots=True)
class Rejected:
    """A raw value that could not become a Reading, and why (pt-BR, for the operator)."""

    source: str  # connector name
    tag: str | None  # None when the topic/node/address maps to no tag
    reason: str  # nao_numerico | campo_ausente | topico_desconhecido | fora_da_faixa | ...
    detail: str = ""


# A sink receives readings; the ingester's batcher is one. It must not block for long.
Sink = Callable[[list[Reading]], Awaitable[None] | None]

# A tag's plausible (min, max) from the tags table: a reading outside is rejected, not stored.
Ranges = dict[str, tuple[float | None, float | None]]


@runtime_checkable
class Connector(Protocol):
    """One protocol endpoint. `run` keeps going (reconnecting) until cancelled or closed."""

    name: str
    kind: str
    state: str  # parado | conectando | conectado | erro
    last_error: str | None
    readings_total: int
    last_reading_at: float | None
    rejects: Rejects

    async def run(self, sink: Sink) -> None: ...

    async def close(self) -> None: ...


@dataclass
class Rejects:
    """Counts and logs rejected values per (tag, reason); shared by a connector's converter."""

    source: str = ""
    counts: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    last: list[Rejected] = field(default_factory=list)
    max_last: int = 50

    def add(self, items: Iterable[Rejected]) -> None:
        for r in items:
            key = (r.tag, r.reason)
            self.counts[key] += 1
            # log the first of each kind and then every 1000th, so a flood cannot fill the disk
            n = self.counts[key]
            if n == 1 or n % 1000 == 0:
                log.warning("%s: valor rejeitado tag=%s motivo=%s %s (n=%d)",
                            r.source or self.source, r.tag, r.reason, r.detail, n)
            self.last.append(r)
            if len(self.last) > self.max_last:
                del self.last[: len(self.last) - self.max_last]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ConnectorStatus:
    """What every connector reports to the ingester's health page: its state, last error,
    how many readings it delivered and when, and what it rejected."""

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg
        self._init_status(cfg.name)

    def _count(self, readings: list[Reading]) -> None:
        """Readings delivered to the sink: counted for the health page."""
        self.readings_total += len(readings)
        self.last_reading_at = time.time()

    def _init_status(self, name: str) -> None:
        self.name = name
        self.state = "parado"
        self.last_error: str | None = None
        self.readings_total = 0
        self.last_reading_at: float | None = None
        self.rejects = Rejects(name)


class ReconnectingConnector(ConnectorStatus):
    """A connector that dials its server, keeps the session while it lasts and dials again
    with exponential back-off (OPC UA, Modbus TCP): subclasses write `_session` only."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        self._stop = asyncio.Event()
        self._backoff = float(cfg.reconnect_initial_s)

    async def _session(self, sink: Sink) -> None:
        """Connect, then read until the connection is lost or `close()`; raise to retry."""
        raise NotImplementedError

    def _retry_on(self) -> tuple[type[BaseException], ...]:
        """The errors that mean "try again later" (anything else stops `run`)."""
        return (Exception,)

    def _connected(self) -> None:
        self.state, self.last_error = "conectado", None
        self._backoff = float(self.cfg.reconnect_initial_s)

    async def run(self, sink: Sink) -> None:
        self._backoff = float(self.cfg.reconnect_initial_s)
        self._stop = asyncio.Event()
        while not self._stop.is_set():
            self.state = "conectando"
            try:
                await self._session(sink)
            except self._retry_on() as exc:
                self.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
                log.warning("%s: %s; nova tentativa em %.1fs", self.name, self.last_error,
                            self._backoff)
            if self._stop.is_set():
                break
            self.state = "conectando"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._backoff)
            self._backoff = min(self._backoff * 2, self.cfg.reconnect_max_s)
        self.state = "parado"

    async def close(self) -> None:
        self.state = "parado"
        self._stop.set()


def to_float(value: Any) -> float | None:
    """A finite float from a number or a numeric string (comma decimal accepted); else None."""
    if type(value) is float:  # the common case first (the ingester's hot path)
        return value if value - value == 0.0 else None  # NaN and +-inf fail this
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        try:
            f = float(value)
        except OverflowError:  # an integer beyond any float: one bad item, not the message
            return None
    elif isinstance(value, str | bytes):
        s = value.decode() if isinstance(value, bytes) else value
        s = s.strip().replace(",", ".") if s.count(",") == 1 and "." not in s else s.strip()
        try:
            f = float(s)
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def check_range(tag: str, value: float, lo: float | None, hi: float | None,
                source: str) -> Rejected | None:
    """A Rejected when the value is outside the plausible range [lo, hi] of the tag."""
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return Rejected(source, tag, "fora_da_faixa", f"valor {value} fora de [{lo}, {hi}]")
    return None


def parse_ts(value: Any) -> dt.datetime | None:
    """Aware UTC datetime from epoch seconds/milliseconds or ISO 8601; None if unparseable.

    A naive ISO timestamp is taken as UTC (devices that send local time must say so with an
    offset)."""
    if type(value) is float and 1e8 < value < 1e11:  # epoch seconds: the hot path
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float):
        try:
            v = float(value)
            if v > 1e14:  # microseconds
                v /= 1e6
            elif v > 1e11:  # milliseconds
                v /= 1e3
            return dt.datetime.fromtimestamp(v, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        s = value.strip()
        try:
            return parse_ts(float(s))
        except ValueError:
            pass
        try:
            d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            return None
        return d.astimezone(dt.UTC) if d.tzinfo else d.replace(tzinfo=dt.UTC)
    return None


def quiet_libraries() -> None:
    """asyncua logs every publish at INFO and pymodbus every frame: keep our own logs readable."""
    for name in ("asyncua", "pymodbus"):
        logging.getLogger(name).setLevel(logging.WARNING)
