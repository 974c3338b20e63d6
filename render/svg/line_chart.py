"""One SVG line chart for every page: the portal's monthly trends (categories on the x axis)
and the consoles' tag charts (time on the x axis, anomaly bands, a marker, bad-quality
readings). Pure: a `Chart` and its points in, escaped markup out; no inline style (the
portal styles by CSS class, the consoles by SVG presentation attributes: see `Look`).

Build the x axis with `category_axis` (labels, "month|year" on two lines) or
`render.svg.time_series.time_axis` (round local times); `y_scale` picks a round step;
`render.svg.time_series.time_series` draws a tag's readings with this chart. A point may be marked
`off` (out of the standard: a red cross on the line, shape and not only colour) or `bad`
(bad quality: a grey cross, left out of the line)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from markupsafe import Markup, escape

from render.svg.base import NS, nice_step, number, places, uid


@dataclass(frozen=True)
class Look:
    """Size and drawing of a chart. `text` are the attributes of small texts, by class (the
    portal's CSS) or by presentation attributes (the consoles)."""

    width: int
    height: int
    margins: tuple[int, int, int, int]  # left, right, top, bottom
    axis_text: str
    limit_text: str
    empty_text: str
    line: str = "#1f5f99"
    line_width: str = "1.6"
    grid: str = "#e3e7eb"
    x_grid: str | None = "#eef0f2"  # vertical lines at the x ticks
    frame: str = "#b8c0c8"
    plot_fill: str = "none"
    limit: str = "#c62828"
    limit_width: str = ""
    dots: bool = False  # a dot (with its tooltip) on every point
    background: bool = True


PORTAL = Look(360, 190, (34, 8, 12, 32), axis_text='class="eixo"', limit_text='class="limite"',
              empty_text='class="vazio"', line="#0b4f8a", line_width="2", grid="#eef1f4",
              x_grid=None, frame="#d4d9df", plot_fill="#fff", limit="#b3261e",
              limit_width="1.5", dots=True, background=False)
CONSOLE = Look(960, 340, (58, 14, 28, 46), axis_text='font-size="12" fill="#555"',
               limit_text='font-size="11" fill="#c62828"',
               empty_text='font-size="16" fill="#777"')


class Point(NamedTuple):
    """One value (a tuple: a day of readings makes thousands)."""

    x: float  # a category's index or a POSIX time
    y: float | None  # None: a hole in the line
    flag: str = ""  # "off": out of the standard; "bad": bad quality
    tip: str = ""


@dataclass(frozen=True)
class Tick:
    at: float
    label: str
    second: str = ""  # a second line under the label


@dataclass(frozen=True)
class Band:
    """An interval shaded across the plot (an anomaly), optionally a link."""

    start: float
    end: float
    label: str
    color: str
    href: str | None = None


@dataclass(frozen=True)
class Limit:
    value: float
    label: str
    below: bool = False  # the label under the line (a minimum)


@dataclass(frozen=True)
class Scale:
    """The y axis: from `lo` to `hi`, a grid line every `step`."""

    lo: float
    hi: float
    step: float

    def ticks(self) -> list[float]:
        return [self.lo + k * self.step for k in range(round((self.hi - self.lo) / self.step) + 1)]


@dataclass(frozen=True)
class Chart:
    """What to draw; the points come apart (`line_chart(chart, points)`)."""

    title: str
    description: str
    x_range: tuple[float, float]
    x_ticks: Sequence[Tick]
    y: Scale
    look: Look = CONSOLE
    limits: Sequence[Limit] = ()
    bands: Sequence[Band] = ()
    marker: tuple[float, str] | None = None  # a dashed vertical line and its label
    gap: float = math.inf  # a longer x distance between two points breaks the line
    unit: str = ""  # over the y axis
    note: str = ""  # bottom right (the time zone)
    caption: str = ""  # top left
    empty: str = "Sem dados"
    css_class: str = "grafico"
    extra: dict[str, str] = field(default_factory=dict)  # more attributes of <svg>
    # other measurements of the same thing (a lab's results over an analyser's line): drawn
    # as diamonds, apart from the line; flag "off" fills them red (out of the standard)
    overlay: Sequence[Point] = ()


# -- scales and axes ------------------------------------------------------------------------------

def y_scale(values: Sequence[float], *, steps: int = 5, from_zero: bool = False) -> Scale:
    """Round bounds that hold `values`; `from_zero`: 0 to `steps` steps over the maximum."""
    if from_zero:
        hi = max([*values, 0.0])
        step = nice_step(hi * 1.08 if hi else 1.0, steps)
        return Scale(0.0, step * steps, step)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, steps)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    return Scale(lo, max(hi, lo + step), step)


def category_axis(labels: Sequence[str], most: int = 7) -> list[Tick]:
    """One tick per label ("jan|2026" on two lines); past 12, about `most` of them."""
    step = max(1, -(-len(labels) // most)) if len(labels) > 12 else 1
    return [Tick(i, *lab.partition("|")[::2]) for i, lab in enumerate(labels) if i % step == 0]


# -- drawing --------------------------------------------------------------------------------------

class _Plot:
    """The chart's coordinates: data to SVG units."""

    def __init__(self, chart: Chart) -> None:
        look = chart.look
        self.c, self.look = chart, look
        self.left, right, self.top, bottom = look.margins
        self.pw = look.width - self.left - right
        self.ph = look.height - self.top - bottom
        self.x0, x1 = chart.x_range
        self.kx = self.pw / ((x1 - self.x0) or 1.0)
        self.lo, self.hi = chart.y.lo, chart.y.hi
        self.ky = self.ph / (self.hi - self.lo)

    def x(self, v: float) -> float:
        return self.left + (v - self.x0) * self.kx

    def y(self, v: float) -> float:
        """Values off the scale are drawn on its edge."""
        lo, hi = self.lo, self.hi
        return self.top + (hi - (v if lo <= v <= hi else lo if v < lo else hi)) * self.ky


def line_chart(chart: Chart, points: Sequence[Point]) -> Markup:
    """The chart as an `<svg role="img">` with a title and a text description."""
    p = _Plot(chart)
    look = chart.look
    # ids from what tells two charts of a page apart (hashing every point costs milliseconds)
    n = uid(chart.title, chart.description, look.width, look.height, chart.x_range,
            [(q.x, q.y) for q in points[:: max(1, len(points) // 64)]])
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in chart.extra.items())
    parts = [f'<svg class="{chart.css_class}" viewBox="0 0 {look.width} {look.height}" '
             f'role="img" aria-labelledby="gt{n} gd{n}" {NS}{attrs}>',
             f'<title id="gt{n}">{escape(chart.title)}</title>',
             f'<desc id="gd{n}">{escape(chart.description or chart.title)}</desc>']
    if look.background:
        parts.append(f'<rect x="0" y="0" width="{look.width}" height="{look.height}" fill="#fff"/>')
    if look.plot_fill != "none":
        parts.append(_frame(p))
    parts += _bands(p) + _grid(p) + _x_axis(p) + _texts(p)
    if look.plot_fill == "none":
        parts.append(_frame(p))
    parts += _limits(p) + _marker(p) + _lines(p, points) + _marks(p, points) + _overlay(p)
    if not any(q.y is not None and q.flag != "bad" for q in points):
        parts.append(f'<text x="{p.left + p.pw / 2}" y="{p.top + p.ph / 2}" '
                     f'text-anchor="middle" {look.empty_text}>{escape(chart.empty)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _frame(p: _Plot) -> str:
    return (f'<rect x="{p.left}" y="{p.top}" width="{p.pw}" height="{p.ph}" '
            f'fill="{p.look.plot_fill}" stroke="{p.look.frame}"/>')


def _bands(p: _Plot) -> list[str]:
    out = []
    x0, x1 = p.c.x_range
    for b in p.c.bands:
        start, end = max(b.start, x0), min(b.end, x1)
        if end < x0 or start > x1:
            continue
        bx, bw = p.x(start), max(p.x(end) - p.x(start), 3.0)
        rect = (f'<rect x="{bx:.1f}" y="{p.top}" width="{bw:.1f}" height="{p.ph}" '
                f'fill="{b.color}" fill-opacity="0.18" stroke="{b.color}" stroke-opacity="0.7"/>'
                f'<rect x="{bx:.1f}" y="{p.top - 6}" width="{bw:.1f}" height="6" '
                f'fill="{b.color}"/>')
        tip = f"<title>{escape(b.label)}</title>"
        out.append(f'<a href="{escape(b.href)}">{tip}{rect}</a>' if b.href
                   else f"<g>{tip}{rect}</g>")
    return out


def _grid(p: _Plot) -> list[str]:
    s, out = p.c.y, []
    decimals = places(s.step)
    for v in s.ticks():
        yy = p.y(v)
        out.append(f'<line x1="{p.left}" x2="{p.left + p.pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                   f'stroke="{p.look.grid}"/><text x="{p.left - 6}" y="{yy + 4:.1f}" '
                   f'text-anchor="end" {p.look.axis_text}>{number(v, decimals)}</text>')
    return out


def _x_axis(p: _Plot) -> list[str]:
    out, base = [], p.top + p.ph
    for t in p.c.x_ticks:
        xx = p.x(t.at)
        if p.look.x_grid:
            out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{p.top}" y2="{base}" '
                       f'stroke="{p.look.x_grid}"/>')
        for row, text in enumerate((t.label, t.second)):
            if text:
                out.append(f'<text x="{xx:.1f}" y="{base + 13 + 5 * bool(p.look.x_grid) + 12 * row}" '
                           f'text-anchor="middle" {p.look.axis_text}>{escape(text)}</text>')
    return out


def _texts(p: _Plot) -> list[str]:
    c, out = p.c, []
    if c.caption:
        out.append(f'<text x="{p.left}" y="14" font-size="12" fill="#212529">'
                   f'{escape(c.caption)}</text>')
    if c.unit:
        out.append(f'<text x="{p.left - 6}" y="{p.top - 10}" text-anchor="end" '
                   f'{p.look.axis_text}>{escape(c.unit)}</text>')
    if c.note:
        out.append(f'<text x="{p.left + p.pw}" y="{p.look.height - 8}" text-anchor="end" '
                   f'font-size="11" fill="#777">{escape(c.note)}</text>')
    return out


def _limits(p: _Plot) -> list[str]:
    out, s = [], p.c.y
    width = f' stroke-width="{p.look.limit_width}"' if p.look.limit_width else ""
    for lim in p.c.limits:
        if not s.lo <= lim.value <= s.hi:
            continue
        yy = p.y(lim.value)
        ty = yy + 12 if lim.below and yy + 12 < p.top + p.ph else yy - 4
        out.append(f'<line x1="{p.left}" x2="{p.left + p.pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                   f'stroke="{p.look.limit}"{width} stroke-dasharray="6 4"/>'
                   f'<text x="{p.left + p.pw - 4}" y="{ty:.1f}" text-anchor="end" '
                   f'{p.look.limit_text}>{escape(lim.label)}</text>')
    return out


def _marker(p: _Plot) -> list[str]:
    if p.c.marker is None:
        return []
    at, label = p.c.marker
    x0, x1 = p.c.x_range
    if not x0 <= at <= x1:
        return []
    xx = p.x(at)
    # near the right edge the label goes on the line's left, so it is never cut
    left = xx + 6 * len(label) > p.left + p.pw
    tx, anchor = (xx - 3, ' text-anchor="end"') if left else (xx + 3, "")
    return [f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{p.top}" y2="{p.top + p.ph}" '
            f'stroke="#b00020" stroke-dasharray="4 3"/><text x="{tx:.1f}" '
            f'y="{p.top + 10}" font-size="10" fill="#b00020"{anchor}>{escape(label)}</text>']


def _segments(p: _Plot, points: Sequence[Point]) -> list[list[str]]:
    """The line's pieces: broken at a hole (no value) or a gap longer than `chart.gap`."""
    fx, fy, gap = p.x, p.y, p.c.gap
    seg: list[str] = []
    segments = [seg]
    prev = -math.inf
    for x, y, flag, _tip in points:
        if flag == "bad":
            continue
        if y is None or x - prev > gap:
            seg = []
            segments.append(seg)
        if y is not None:
            seg.append(f"{fx(x):.1f},{fy(y):.1f}")
            prev = x
    return [s for s in segments if s]


def _lines(p: _Plot, points: Sequence[Point]) -> list[str]:
    out = []
    for seg in _segments(p, points):
        if len(seg) > 1:
            out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{p.look.line}" '
                       f'stroke-width="{p.look.line_width}" stroke-linejoin="round"/>')
        elif not p.look.dots:
            cx, cy = seg[0].split(",")
            out.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{p.look.line}"/>')
    return out


def _marks(p: _Plot, points: Sequence[Point]) -> list[str]:
    """Crosses for points out of the standard (red) or of bad quality (grey, at most 500);
    with `look.dots`, a dot on every other point. Each mark carries its tooltip."""
    out, bad = [], 0
    for q in points:
        if q.y is None or not (q.flag or p.look.dots) or (q.flag == "bad" and bad >= 500):
            continue
        xx, yy = p.x(q.x), p.y(q.y)
        tip = f"<title>{escape(q.tip)}</title>" if q.tip else ""
        if q.flag == "off":
            out.append(f'<g>{tip}<path d="M{xx - 5:.1f},{yy - 5:.1f} L{xx + 5:.1f},{yy + 5:.1f} '
                       f'M{xx - 5:.1f},{yy + 5:.1f} L{xx + 5:.1f},{yy - 5:.1f}" '
                       f'stroke="#b3261e" stroke-width="3"/></g>')
        elif q.flag == "bad":
            bad += 1
            out.append(f'<path d="M{xx - 3:.1f},{yy - 3:.1f}l6,6m0,-6l-6,6" stroke="#888" '
                       f'stroke-width="1.2">{tip}</path>')
        elif not q.flag:
            out.append(f'<circle cx="{xx:.1f}" cy="{yy:.1f}" r="3.5" fill="{p.look.line}">'
                       f'{tip}</circle>')
    return out



def _overlay(p: _Plot) -> list[str]:
    """Diamonds (shape, not only colour: white for conforming, red for off) with tooltips."""
    out = []
    for q in p.c.overlay:
        if q.y is None:
            continue
        xx, yy = p.x(q.x), p.y(q.y)
        fill = "#b3261e" if q.flag == "off" else "#ffffff"
        tip = f"<title>{escape(q.tip)}</title>" if q.tip else ""
        out.append(f'<path class="amostra" d="M{xx:.1f},{yy - 7:.1f} L{xx + 7:.1f},{yy:.1f} '
                   f'L{xx:.1f},{yy + 7:.1f} L{xx - 7:.1f},{yy:.1f} Z" fill="{fill}" '
                   f'stroke="#7a3e00" stroke-width="2">{tip}</path>')
    return out
