"""One SVG map for every page: marks placed by latitude / longitude in an equirectangular
projection fitted to them (no tiles, no JavaScript), with a scale bar. Pure: marks in, escaped
markup out; no inline style (texts take a CSS class or presentation attributes).

A map holding links is a group of links (`role="group"`), not an image: axe's
nested-interactive rule. Each link carries an accessible name (`aria-label`)."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from render.svg.base import NS, uid
from render.svg.placement import Box, Placed, Want, mark_box, place, text_box

NAME_SIZE = 13  # a mark's name (portal.css .m-nome, bold), unless its attributes say
AREA_SIZE = 12  # a neighbourhood's name (portal.css .m-bairro)
SHAPES = ("circle", "square", "triangle", "diamond", "target")


@dataclass(frozen=True)
class Mark:
    lat: float
    lon: float
    tip: str  # the tooltip; also the link's accessible name (unless `name_for_link`)
    shape: str = "circle"  # one of SHAPES; "target": a ring with a dot in the middle
    size: float = 6  # radius / half side
    paint: str = 'fill="#f0b400" stroke="#5b4400" stroke-width="1.5"'
    dot: str = ""  # "target": the colour of the middle dot
    dot_size: float = 3
    href: str | None = None
    link_name: str = ""  # the link's accessible name, when not the tooltip
    css_class: str = ""  # of the mark's group
    glyph: str = ""  # a letter drawn inside (class m-rotulo)
    name: str = ""  # written beside the mark
    name_attrs: str = 'class="m-nome"'
    name_at: tuple[float, float] = (15, 4)  # offset of the name
    mirror: bool = False  # on the right of the map, the name goes on the mark's left
    tip_on_shape: bool = False  # the <title> inside the shape instead of the group


@dataclass(frozen=True)
class Label:
    """Grey orientation text (a neighbourhood's name) under a point."""

    lat: float
    lon: float
    text: str


@dataclass(frozen=True)
class Look:
    width: int = 400
    height: int = 300
    pad: int = 28
    background: str = 'fill="#eaf2ea"'
    css_class: str = "mapa"
    empty_height: int = 80
    empty_text: str = "sem coordenadas cadastradas"
    legend: str = ""  # a line at the bottom, over the scale bar's height
    legend_attrs: str = 'font-size="10" fill="#495057"'


# the last maps drawn, by everything they are drawn from: a map is a pure function of its
# arguments, and a page that shows the same marks again (the incidents console over the same
# assets and open incidents) skips the layout, most of its cost
MEMO_SIZE = 64
_DRAWN: OrderedDict[tuple[object, ...], Markup] = OrderedDict()
_DRAWN_LOCK = threading.Lock()


def map_svg(title: str, marks: Sequence[Mark], labels: Sequence[Label] = (), *,
            look: Look = Look()) -> Markup:
    """Marks drawn in the order given (the last on top); `title` names the figure. Names and
    neighbourhood labels never overlap (`layout`); those with no room are named in the
    figure's description. The same arguments give the same markup, kept for the last
    MEMO_SIZE maps."""
    key = (title, tuple(marks), tuple(labels), look)
    with _DRAWN_LOCK:
        svg = _DRAWN.get(key)
        if svg is not None:
            _DRAWN.move_to_end(key)
            return svg
    svg = _draw(title, key[1], key[2], look)
    with _DRAWN_LOCK:
        _DRAWN[key] = svg
        while len(_DRAWN) > MEMO_SIZE:
            _DRAWN.popitem(last=False)
    return svg


def _draw(title: str, marks: Sequence[Mark], labels: Sequence[Label], look: Look) -> Markup:
    w, h = look.width, look.height
    if not marks:
        return Markup(f'<svg class="{look.css_class}" viewBox="0 0 {w} {look.empty_height}" '
                      f'role="img" aria-label="{escape(title)}" {NS}><text x="{w / 2}" '
                      f'y="{look.empty_height / 2}" text-anchor="middle" class="vazio">'
                      f'{escape(look.empty_text)}</text></svg>')
    project, per_km = _projection([(m.lat, m.lon) for m in marks], look)
    n = uid(title, [(m.lat, m.lon, m.tip) for m in marks])
    role = "group" if any(m.href for m in marks) else "img"
    lay = layout(marks, labels, look=look)
    parts = [f'<svg class="{look.css_class}" viewBox="0 0 {w} {h}" role="{role}" '
             f'aria-labelledby="mt{n}" {NS}><title id="mt{n}">{escape(title)}</title>']
    if lay.hidden:
        parts.append(f"<desc>Sem espaço no mapa para os nomes: {escape(', '.join(lay.hidden))}"
                     f"</desc>")
    parts.append(f'<rect width="{w}" height="{h}" {look.background}/>')
    for lab, at in zip(labels, lay.labels, strict=True):
        if at is not None:
            parts.append(_leader(at) + f'<text x="{at.x:.1f}" y="{at.y:.1f}" '
                         f'text-anchor="{at.anchor}" font-size="{AREA_SIZE:g}" class="m-bairro">'
                         f'{escape(lab.text)}</text>')
    parts += [_mark(m, *project(m.lat, m.lon), at) for m, at in zip(marks, lay.names, strict=True)]
    parts.append(_scale_bar(per_km, look))
    if look.legend:
        parts.append(f'<text x="{look.pad}" y="{h - 6}" {look.legend_attrs}>'
                     f'{escape(look.legend)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Layout:
    names: list[Placed | None]  # one per mark (None: no name, or no room for it)
    labels: list[Placed | None]  # one per label
    hidden: list[str]  # the texts left out for want of room


def layout(marks: Sequence[Mark], labels: Sequence[Label] = (), *, look: Look = Look()) -> Layout:
    """Where each mark's name and each neighbourhood label goes: greedy, the marks' names
    first (in the marks' order), then the labels, none over a mark, the scale bar, the
    legend or a text placed before it (render.svg.placement)."""
    if not marks:
        return Layout([], [None] * len(labels), [])
    project, per_km = _projection([(m.lat, m.lon) for m in marks], look)
    at = [project(m.lat, m.lon) for m in marks]
    taken = [mark_box(x, y, m.size) for m, (x, y) in zip(marks, at, strict=True)]
    taken += _furniture(per_km, look)
    wants = [_name_want(m, x, y, look.width) for m, (x, y) in zip(marks, at, strict=True)
             if m.name]
    wants += [Want(*project(lab.lat, lab.lon), lab.text, AREA_SIZE, clear=7,
                   prefer=(0, 20, "middle")) for lab in labels]
    placed = iter(place(wants, taken, Box(2, 2, look.width - 2, look.height - 2)))
    names = [next(placed) if m.name else None for m in marks]
    areas = list(placed)
    hidden = [m.name for m, p in zip(marks, names, strict=True) if m.name and p is None]
    hidden += [lab.text for lab, p in zip(labels, areas, strict=True) if p is None]
    return Layout(names, areas, hidden)


def _name_want(m: Mark, x: float, y: float, width: int) -> Want:
    dx, dy = m.name_at
    right = m.mirror and x > width * 0.55  # a long name would leave the map on the right
    return Want(x, y, m.name, font_size(m.name_attrs, NAME_SIZE), clear=m.size + 1,
                prefer=(-dx, dy, "end") if right else (dx, dy, "start"), bold=is_bold(m.name_attrs))


def is_bold(attrs: str) -> bool:
    """portal.css sets .m-nome in bold."""
    return "m-nome" in attrs or "bold" in attrs


def font_size(attrs: str, default: float) -> float:
    found = re.search(r'font-size="([0-9.]+)', attrs)
    return float(found.group(1)) if found else default


def _furniture(per_km: float, look: Look) -> list[Box]:
    """The boxes of the scale bar (line and distance) and of the legend line."""
    dist = _scale_distance(per_km, look)
    y = look.height - 14 - (14 if look.legend else 0)
    out = [Box(look.pad - 2, y - 6 - 11, look.pad + max(dist * per_km, 36) + 2, y + 3)]
    if look.legend:
        out.append(text_box(look.pad, look.height - 6, look.legend,
                            font_size(look.legend_attrs, 10)))
    return out


def _leader(at: Placed) -> str:
    if at.leader is None:
        return ""
    x0, y0, x1, y1 = at.leader
    return (f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#495057" '
            f'stroke-width="1" class="m-guia"/>')


def _projection(coords: list[tuple[float, float]],
                look: Look) -> tuple[Callable[[float, float], tuple[float, float]], float]:
    """(lat, lon) -> (x, y): equirectangular, scaled by cos(mean latitude) so a kilometre is
    as long north-south as east-west, centred; and the pixels per kilometre."""
    lats, lons = [c[0] for c in coords], [c[1] for c in coords]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    x0, x1 = min(lons) * k, max(lons) * k
    y0, y1 = min(lats), max(lats)
    span = max(x1 - x0, y1 - y0, 0.005)
    s = min(look.width - 2 * look.pad, look.height - 2 * look.pad) / span
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return look.width / 2 + (lon * k - cx) * s, look.height / 2 - (lat - cy) * s

    return project, s / 111.32


def _shape(m: Mark, x: float, y: float) -> str:
    r, tip = m.size, (f"<title>{escape(m.tip)}</title>" if m.tip_on_shape else "")
    if m.shape == "square":
        head = f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:g}" height="{2 * r:g}"'
    elif m.shape == "triangle":
        head = (f'<path d="M{x:.1f},{y - r - 2:.1f} L{x + r + 1:.1f},{y + r - 1:.1f} '
                f'L{x - r - 1:.1f},{y + r - 1:.1f} Z"')
    elif m.shape == "diamond":
        head = (f'<path d="M{x:.1f},{y - r - 2:.1f} L{x + r + 1:.1f},{y:.1f} '
                f'L{x:.1f},{y + r + 2:.1f} L{x - r - 1:.1f},{y:.1f} Z"')
    else:
        head = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:g}"'
    out = f"{head} {m.paint}>{tip}</{head[1:head.index(' ')]}>" if tip else f"{head} {m.paint}/>"
    if m.shape == "target" and m.dot:
        out += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{m.dot_size:g}" fill="{m.dot}"/>'
    return out


def _mark(m: Mark, x: float, y: float, at: Placed | None) -> str:
    body = _shape(m, x, y)
    if m.glyph:
        body += (f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="#fff" '
                 f'class="m-rotulo">{escape(m.glyph)}</text>')
    if at is not None:
        size = "" if "font-size" in m.name_attrs else f'font-size="{NAME_SIZE:g}" '
        body += (f'{_leader(at)}<text x="{at.x:.1f}" y="{at.y:.1f}" text-anchor="{at.anchor}" '
                 f'{size}{m.name_attrs}>{escape(m.name)}</text>')
    tip = "" if m.tip_on_shape else f"<title>{escape(m.tip)}</title>"
    cls = f' class="{m.css_class}"' if m.css_class else ""
    group = f"<g{cls}>{tip}{body}</g>"
    if not m.href:
        return group
    return f'<a href="{escape(m.href)}" aria-label="{escape(m.link_name or m.tip)}">{group}</a>'


def _scale_distance(per_km: float, look: Look) -> float:
    """The largest round distance under 40 % of the width."""
    return next((d for d in (5, 2, 1, 0.5, 0.2, 0.1) if d * per_km <= 0.4 * look.width), 0.1)


def _scale_bar(per_km: float, look: Look) -> str:
    dist = _scale_distance(per_km, look)
    label = f"{dist:g} km" if dist >= 1 else f"{dist * 1000:.0f} m"
    y = look.height - 14 - (14 if look.legend else 0)
    return (f'<g class="escala"><line x1="{look.pad}" x2="{look.pad + dist * per_km:.1f}" '
            f'y1="{y}" y2="{y}" stroke="#1b1f24" stroke-width="3"/>'
            f'<text x="{look.pad}" y="{y - 6}" class="eixo" font-size="11">{label}</text></g>')
