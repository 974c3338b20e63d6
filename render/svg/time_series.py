"""A tag's readings in time, drawn by the one line chart (`render.svg.line_chart`): the time
axis on round local times of the zone given, the line thinned to two points per pixel column
and broken at missing data, bad-quality readings as grey crosses, anomalies as bands."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from core import fmt
from render.svg.line_chart import CONSOLE, Band, Chart, Limit, Point, Tick, line_chart, y_scale


@dataclass(frozen=True)
class TimeBand:
    """A `Band` in time: `end` None while it lasts."""

    start: dt.datetime
    end: dt.datetime | None
    label: str
    color: str
    href: str | None = None


def time_axis(start: dt.datetime, end: dt.datetime, zone: ZoneInfo, narrow: bool) -> list[Tick]:
    """Ticks on round local times: minutes for short windows, hours, then days."""
    t0, t1 = start.timestamp(), end.timestamp()
    span_min = max(t1 - t0, 1.0) / 60
    tick_m = next((m for m in (5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 10080)
                   if span_min / m <= (4 if narrow else 8)), 10080)
    local0 = start.astimezone(zone)
    midnight = local0.replace(hour=0, minute=0, second=0, microsecond=0)
    first = min(tick_m, 1440)
    since = (local0 - midnight).total_seconds() / 60
    tick = midnight + dt.timedelta(minutes=math.ceil(since / first) * first)
    out = []
    while tick.timestamp() <= t1:
        if tick.timestamp() >= t0:
            out.append(Tick(tick.timestamp(), _time_label(tick, tick_m)))
        # step in local wall-clock time, so a day tick stays on midnight
        tick = (tick.replace(tzinfo=None) + dt.timedelta(minutes=tick_m)).replace(tzinfo=zone)
    return out


def _time_label(tick: dt.datetime, tick_m: int) -> str:
    if tick_m < 60:
        return tick.strftime("%H:%M")
    if tick.hour == 0 and tick.minute == 0 or tick_m >= 1440:
        return tick.strftime("%d/%m")
    return tick.strftime("%Hh")


def downsample(points: Sequence[tuple[float, float]], buckets: int) -> list[tuple[float, float]]:
    """Keep the min and the max of each pixel column, so a one-minute spike survives."""
    if len(points) <= 2 * buckets:
        return list(points)
    t0, t1 = points[0][0], points[-1][0]
    width = (t1 - t0) / buckets or 1.0
    out: list[tuple[float, float]] = []
    cur: list[tuple[float, float]] = []
    col = 0
    for p in points:
        c = min(int((p[0] - t0) / width), buckets - 1)
        if c != col and cur:
            out.extend(_extremes(cur))
            cur = []
        col = c
        cur.append(p)
    if cur:
        out.extend(_extremes(cur))
    return out


def _extremes(cur: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return sorted({min(cur, key=lambda q: q[1]), max(cur, key=lambda q: q[1])})


def typical_step(points: Sequence[tuple[float, float]]) -> float:
    """The median spacing of the readings, in seconds (0 with fewer than two): history that
    arrives slower than the tag's configured period still draws as a line."""
    if len(points) < 2:
        return 0.0
    steps = sorted(b[0] - a[0] for a, b in zip(points, points[1:], strict=False))
    return steps[len(steps) // 2]


def time_series(readings: Sequence[Any], *, start: dt.datetime, end: dt.datetime,
                zone: ZoneInfo, title: str = "", unit: str = "",
                bands: Sequence[TimeBand] = (), limits: Sequence[tuple[float, str]] = (),
                marker: tuple[dt.datetime, str] | None = None, caption: str = "",
                expected_period_s: float = 60.0, width: int = 960,
                height: int = 340, samples: Sequence[Any] = ()) -> Markup:
    """Readings (`.ts`, `.value`, optional `.quality`) between start and end: good readings
    form the line (broken where data is missing for more than 3 expected periods
    or 3 typical spacings of the readings, thinned to
    two per pixel column), bad ones are grey crosses; bands shaded, limits dashed, the time
    axis and the description in `zone`. `samples` (`.at`, `.value`, `.text`, `.conforming`:
    a lab's results of the same water) are diamonds over the line, red when out of the
    standard, each with its local time and value as tooltip."""
    look = dataclasses.replace(CONSOLE, width=width, height=height)
    plot_w = width - look.margins[0] - look.margins[1]
    t0, t1 = start.timestamp(), end.timestamp()
    good: list[tuple[float, float]] = []
    bad: list[Point] = []
    for r in readings:
        if math.isfinite(r.value) and start <= r.ts <= end:
            if getattr(r, "quality", "good") == "good":
                good.append((r.ts.timestamp(), float(r.value)))
            else:
                bad.append(Point(r.ts.timestamp(), float(r.value), "bad", "qualidade ruim"))
    points = [Point(t, v) for t, v in downsample(good, plot_w)] + bad
    overlay = [Point(x.at.timestamp(), float(x.value if x.value is not None else 0.0),
                     "" if x.conforming else "off",
                     f"{fmt.date_time(x.at)}: {x.text}{' ' + unit if unit else ''} (laboratório)")
               for x in samples if start <= x.at <= end]
    local = f"{start.astimezone(zone):%d/%m/%Y %H:%M} a {end.astimezone(zone):%d/%m/%Y %H:%M}"
    chart = Chart(
        title=title or "Gráfico", look=look, x_range=(t0, t1), unit=unit, caption=caption,
        description=(f"{len(good)} leituras de {local}; {len(bands)} anomalia(s) "
                     f"marcada(s)." + (f" {len(overlay)} resultado(s) de laboratório."
                                       if overlay else "")),
        x_ticks=time_axis(start, end, zone, narrow=plot_w < 600),
        y=y_scale([v for _, v in good] + [v for v, _ in limits] + [q.y for q in overlay
                                                                    if q.y is not None]),
        bands=[Band(b.start.timestamp(), (b.end or end).timestamp(), b.label, b.color, b.href)
               for b in bands],
        limits=[Limit(v, label) for v, label in limits],
        marker=(marker[0].timestamp(), marker[1]) if marker else None,
        gap=max(3 * expected_period_s, 3 * typical_step(good), (t1 - t0) / 400), note=fmt.zone_label(zone, end),
        empty="Sem leituras no período",
        extra={"preserveAspectRatio": "xMidYMid meet"}, overlay=overlay)
    return line_chart(chart, points)
