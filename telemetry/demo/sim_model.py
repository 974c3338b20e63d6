"""The simulated utility's process: daily patterns and injectable events (pure, no I/O).

`Plant.sample(t)` gives every demo tag's value at instant t. Patterns follow the local day
(the settings' zone, core.fmt.zone()): demand has a night minimum near 03:30 and peaks near 11:00 and 19:00;
sector pressure falls when demand rises; reservoirs empty in the day and fill at night;
pumping stations stop in the peak-tariff hours (18:00-21:00, "horario de ponta"); the plant
outlet keeps turbidity, free chlorine and pH near their set points.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
from dataclasses import dataclass, field

from core import fmt
from telemetry.demo.tags import TAGS, DemoTag

EVENT_KINDS = {
    "rompimento": "Rompimento de rede (queda de pressao e aumento de vazao no setor)",
    "turbidez": "Pico de turbidez na saída da ETA",
    "cloro": "Perda de cloro residual",
    "travado": "Sensor travado (valor constante)",
    "comunicacao": "Perda de comunicação",
    "parada_eta": "Parada da ETA",
}

# demand harmonics: (amplitude, period in hours, phase hour of the maximum)
_HARMONICS = ((0.42, 24.0, 13.0), (0.16, 12.0, 10.5), (0.05, 8.0, 19.0))


def demand_factor(hour: float) -> float:
    """Demand relative to the daily mean (about 0.57 at 03:30, 1.57 near 11:00)."""
    return 1.0 + sum(a * math.cos(2 * math.pi * (hour - ph) / p) for a, p, ph in _HARMONICS)


def demand_integral(hour: float) -> float:
    """Integral of (demand_factor - 1) over the day, in hours: reservoirs follow its negative."""
    return sum(a * p / (2 * math.pi) * math.sin(2 * math.pi * (hour - ph) / p)
               for a, p, ph in _HARMONICS)


def local_hour(t: dt.datetime) -> float:
    lt = fmt.local(t)
    return lt.hour + lt.minute / 60 + lt.second / 3600


def peak_tariff(hour: float) -> bool:
    return 18.0 <= hour < 21.0


@dataclass
class SimEvent:
    kind: str
    target: str  # a sector (SET-01), an asset (ETA-01) or a tag name
    start: dt.datetime
    end: dt.datetime | None  # None = until cleared
    id: int = 0

    def active(self, t: dt.datetime) -> bool:
        return self.start <= t and (self.end is None or t < self.end)

    def ramp(self, t: dt.datetime, seconds: float = 60.0) -> float:
        """0..1 over the first `seconds` of the event (bursts and spikes are not steps)."""
        return min(1.0, max(0.0, (t - self.start).total_seconds() / seconds))

    def hits(self, tag: DemoTag) -> bool:
        return self.target in (tag.name, tag.asset_code) or (
            self.target == "*" and self.kind in ("comunicacao",))


@dataclass
class Plant:
    seed: int = 2026
    noise: bool = True
    events: list[SimEvent] = field(default_factory=list)
    _frozen: dict[str, float] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # -- events -----------------------------------------------------------------------------
    def inject(self, kind: str, target: str, start: dt.datetime,
               duration: dt.timedelta | None = None) -> SimEvent:
        """Start an event now (or at `start`); duration None lasts until `clear`."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"evento desconhecido: {kind}")
        valid = {t.name for t in TAGS} | {t.asset_code for t in TAGS} | {"*"}
        if target not in valid:
            raise ValueError(f"alvo desconhecido: {target}")
        with self._lock:
            ev = SimEvent(kind, target, start, start + duration if duration else None, self._next_id)
            self._next_id += 1
            self.events.append(ev)
        return ev

    def clear(self, event_id: int | None = None, at: dt.datetime | None = None) -> int:
        """End one event (or all); returns how many were ended."""
        at = at or dt.datetime.now(dt.UTC)
        n = 0
        with self._lock:
            for ev in self.events:
                if (event_id is None or ev.id == event_id) and ev.active(at):
                    ev.end = at
                    n += 1
        return n

    def active_events(self, t: dt.datetime) -> list[SimEvent]:
        with self._lock:
            return [e for e in self.events if e.active(t)]

    # -- process ----------------------------------------------------------------------------
    def _n(self, sigma: float) -> float:
        return self._rng.gauss(0.0, sigma) if self.noise else 0.0

    def base_value(self, tag: DemoTag, t: dt.datetime) -> float:
        h = local_hour(t)
        kind = tag.asset_code.split("-")[0]
        by_kind = {"SET": self._sector, "RES": self._reservoir, "EEA": self._pumping,
                   "PC": self._well, "CAP": self._intake, "ETA": self._plant}
        v = by_kind[kind](tag, h) if kind in by_kind else None
        return tag.base + self._n(0.01 * max(1.0, abs(tag.base))) if v is None else v

    def _sector(self, tag: DemoTag, h: float) -> float:
        d = demand_factor(h)
        if tag.quantity == "vazao":
            return tag.base * d * (1 + self._n(0.02))
        return tag.base * (1.35 - 0.35 * d) + self._n(0.25)  # pressure falls with demand

    def _reservoir(self, tag: DemoTag, h: float) -> float:
        if tag.quantity == "nivel":
            lvl = tag.base - 1.6 * demand_integral(h) / 2.2
            return min(7.8, max(0.3, lvl + self._n(0.01)))
        return tag.base + 0.1 * math.sin(2 * math.pi * h / 24) + self._n(0.02)

    def _pumping(self, tag: DemoTag, h: float) -> float:
        pumps_on = not peak_tariff(h)
        if tag.quantity == "estado":
            return 1.0 if pumps_on else 0.0
        d = demand_factor(h)
        return (tag.base * (1.05 - 0.05 * d) if pumps_on else 11.0) + self._n(0.3)

    def _well(self, tag: DemoTag, h: float) -> float:
        pumps_on = not peak_tariff(h)
        if tag.quantity == "vazao":
            return (tag.base + self._n(0.8)) if pumps_on else 0.0
        return (tag.base + self._n(0.1)) if pumps_on else tag.base - 12.0 + 4.0 * (h - 18.0) / 3

    def _intake(self, tag: DemoTag, h: float) -> float:
        if tag.quantity == "vazao":
            return tag.base * (1 + 0.03 * math.sin(2 * math.pi * h / 24)) + self._n(4)
        return tag.base * (1 + 0.2 * math.sin(2 * math.pi * (h - 15) / 24)) + self._n(0.6)

    def _plant(self, tag: DemoTag, h: float) -> float | None:
        q = tag.quantity
        if q == "vazao":
            return tag.base * (1 + 0.03 * math.sin(2 * math.pi * h / 24)) + self._n(3)
        if q == "turbidez":
            return max(0.05, tag.base + self._n(0.03))
        if q == "cloro":
            return tag.base + 0.08 * math.sin(2 * math.pi * h / 24) + self._n(0.03)
        if q == "ph":
            return tag.base + self._n(0.03)
        return None

    def sample(self, t: dt.datetime, tags: tuple[DemoTag, ...] | list[DemoTag] = TAGS,
               ) -> dict[str, tuple[float, str] | None]:
        """{tag: (value, quality)}; None means no data (communication lost)."""
        out: dict[str, tuple[float, str] | None] = {}
        events = self.active_events(t)
        stopped = any(e.kind == "parada_eta" for e in events)
        for tag in tags:
            v = self.base_value(tag, t)
            lost = False
            for e in events:
                if e.kind == "rompimento" and tag.asset_code == e.target:
                    r = e.ramp(t, 90)
                    # a main burst takes the critical point below the 10 mca minimum (NBR 12218)
                    v = v * (1 + 0.6 * r) if tag.quantity == "vazao" else v * (1 - 0.65 * r)
                elif e.kind == "turbidez" and e.hits(tag) and tag.quantity == "turbidez":
                    v = v + 4.5 * e.ramp(t, 300) + self._n(0.15)
                elif e.kind == "cloro" and e.hits(tag) and tag.quantity == "cloro":
                    v = max(0.02, v * (1 - 0.92 * e.ramp(t, 600)))
                elif e.kind == "comunicacao" and e.hits(tag):
                    lost = True
            if stopped and tag.asset_code in ("ETA-01", "CAP-01") and tag.quantity == "vazao":
                v = abs(self._n(0.5))
            if lost:
                out[tag.name] = None
                continue
            stuck = any(e.kind == "travado" and e.hits(tag) for e in events)
            if stuck:
                v = self._frozen.setdefault(tag.name, self._last.get(tag.name, v))
            else:
                self._frozen.pop(tag.name, None)
            if tag.lo is not None:
                v = max(tag.lo, v)
            self._last[tag.name] = v
            out[tag.name] = (round(v, 4), "good")
        return out
