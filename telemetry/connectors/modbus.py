"""Modbus TCP connector (pymodbus 3.16, async client).

Points are grouped per (device id, table) into contiguous blocks of at most `max_block`
registers, so one poll is a handful of requests however many points there are. The pure
`convert(raw, mapping)` decodes int16/uint16/int32/uint32/float32 with byte and word order,
then applies `value * scale + offset`. A float NaN (how many PLCs flag a failed sensor) or a
value outside the plausible range is rejected, never stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telemetry.config import ModbusConfig, ModbusPoint
from telemetry.connectors.base import Ranges, Reading, ReconnectingConnector, Rejected, check_range

log = logging.getLogger(__name__)

WIDTH = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}
_FMT = {"int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I", "float32": ">f"}


@dataclass(frozen=True)
class ModbusMapping:
    points: tuple[ModbusPoint, ...]
    device_id: int = 1
    ranges: Ranges | None = None
    source: str = "modbus"

    def device(self, p: ModbusPoint) -> int:
        return p.device_id if p.device_id is not None else self.device_id

    def limits(self, p: ModbusPoint) -> tuple[float | None, float | None]:
        lo, hi = (self.ranges or {}).get(p.tag, (None, None))
        return (p.min if p.min is not None else lo, p.max if p.max is not None else hi)


# raw: the answers of one poll: [(device_id, table, start_address, [registers or coil bools])]
Raw = list[tuple[int, str, int, list[Any]]]


def width(p: ModbusPoint) -> int:
    return 1 if p.table in ("coil", "discrete") else WIDTH[p.type]


def decode(registers: list[int], type_: str, byte_order: str = "big",
           word_order: str = "big") -> float:
    """The number held by 1 or 2 registers (each 0..65535)."""
    words = list(registers)
    if word_order == "little":
        words.reverse()
    data = b"".join(w.to_bytes(2, "big" if byte_order == "big" else "little") for w in words)
    return float(struct.unpack(_FMT[type_], data)[0])


def encode(value: float, type_: str, byte_order: str = "big", word_order: str = "big") -> list[int]:
    """The registers a device would hold for `value` (used by the simulator and tests)."""
    data = struct.pack(_FMT[type_], value if type_ == "float32" else int(round(value)))
    words = [int.from_bytes(data[i:i + 2], "big" if byte_order == "big" else "little")
             for i in range(0, len(data), 2)]
    if word_order == "little":
        words.reverse()
    return words


def convert(raw: Raw, mapping: ModbusMapping, rejects: list[Rejected] | None = None,
            ts: dt.datetime | None = None) -> list[Reading]:
    """Readings of every point whose registers are in `raw` (one poll)."""
    rej = rejects if rejects is not None else []
    ts = ts or dt.datetime.now(dt.UTC)
    out = []
    for p in mapping.points:
        n = width(p)
        dev = mapping.device(p)
        block = next((b for b in raw if b[0] == dev and b[1] == p.table
                      and b[2] <= p.address and p.address + n <= b[2] + len(b[3])), None)
        if block is None:
            rej.append(Rejected(mapping.source, p.tag, "sem_resposta",
                                f"dispositivo {dev} {p.table}@{p.address}"))
            continue
        start, values = block[2], block[3]
        i = p.address - start
        if p.table in ("coil", "discrete"):
            v = 1.0 if values[i] else 0.0
        else:
            try:
                v = decode(values[i:i + n], p.type, p.byte_order, p.word_order)
            except (struct.error, OverflowError, ValueError) as exc:
                rej.append(Rejected(mapping.source, p.tag, "nao_numerico", str(exc)))
                continue
        if not math.isfinite(v):
            rej.append(Rejected(mapping.source, p.tag, "nao_numerico", "NaN/Inf"))
            continue
        v = v * p.scale + p.offset
        lo, hi = mapping.limits(p)
        bad = check_range(p.tag, v, lo, hi, mapping.source)
        if bad is not None:
            rej.append(bad)
            continue
        out.append(Reading(p.tag, ts, round(v, 9), "good"))
    return out


def plan(mapping: ModbusMapping, max_block: int = 100,
         max_gap: int = 8) -> list[tuple[int, str, int, int]]:
    """Read requests (device, table, start, count) covering every point, merged when close.

    Points are read together only across gaps of at most `max_gap` unmapped registers: many
    PLCs answer ILLEGAL DATA ADDRESS for a block that touches an undefined register."""
    groups: dict[tuple[int, str], list[ModbusPoint]] = {}
    for p in mapping.points:
        groups.setdefault((mapping.device(p), p.table), []).append(p)
    reqs = []
    for (dev, table), pts in sorted(groups.items()):
        pts.sort(key=lambda p: p.address)
        start = end = None
        for p in pts:
            a, b = p.address, p.address + width(p)
            if start is None:
                start, end = a, b
            elif a - end <= max_gap and b - start <= max_block:
                end = max(end, b)
            else:
                reqs.append((dev, table, start, end - start))
                start, end = a, b
        if start is not None:
            reqs.append((dev, table, start, end - start))
    return reqs


class ModbusConnector(ReconnectingConnector):
    """Polls the configured registers every `poll_interval_s`, reconnecting with backoff."""

    kind = "modbus"

    def __init__(self, cfg: ModbusConfig, ranges: Ranges | None = None) -> None:
        super().__init__(cfg)
        self.mapping = ModbusMapping(cfg.points, cfg.device_id, ranges, cfg.name)
        self.requests = plan(self.mapping, cfg.max_block, cfg.max_gap)
        self._client: Any = None

    async def _poll(self, client: Any) -> list[Reading]:
        blocks = []
        rej: list[Rejected] = []
        for dev, table, start, count in self.requests:
            fn = {"holding": client.read_holding_registers, "input": client.read_input_registers,
                  "coil": client.read_coils, "discrete": client.read_discrete_inputs}[table]
            resp = await fn(start, count=count, device_id=dev)
            if resp.isError():
                rej.append(Rejected(self.name, None, "excecao_modbus",
                                    f"dispositivo {dev} {table}@{start}: {resp}"))
                continue
            values = resp.bits[:count] if table in ("coil", "discrete") else resp.registers
            blocks.append((dev, table, start, list(values)))
        readings = convert(blocks, self.mapping, rej)
        if rej:
            self.rejects.add(rej)
        return readings

    def _retry_on(self) -> tuple[type[BaseException], ...]:
        from pymodbus.exceptions import ModbusException  # why: pymodbus loaded when dialing

        return (TimeoutError, ModbusException, ConnectionError, OSError)

    async def _session(self, sink: Callable[..., Any]) -> None:
        from pymodbus.client import AsyncModbusTcpClient  # why: pymodbus loaded when dialing

        cfg = self.cfg
        client = AsyncModbusTcpClient(cfg.host, port=cfg.port, timeout=cfg.timeout_s,
                                      retries=cfg.retries, reconnect_delay=0)
        self._client = client
        try:
            if not await client.connect():
                raise ConnectionError(f"sem conexão com {cfg.host}:{cfg.port}")
            self._connected()
            while not self._stop.is_set():
                t0 = time.monotonic()
                readings = await self._poll(client)
                if readings:
                    self._count(readings)
                    sink(readings)
                wait = max(0.0, cfg.poll_interval_s - (time.monotonic() - t0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), wait)
        finally:
            client.close()
