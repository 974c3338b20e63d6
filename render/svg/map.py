"""One SVG map for every page: marks placed by latitude / longitude in an equirectangular
projection fitted to them (no tiles, no JavaScript), with a scale bar. Pure: marks in, escaped
markup out; no inline style (texts take a CSS class or presentation attributes).

A map holding links is a group of links (`role="group"`), not an image: axe's
nested-interactive rule. Each link carries an accessible name (`aria-label`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from render.svg.base import NS, uid

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


def map_svg(title: str, marks: Sequence[Mark], labels: Sequence[Label] = (), *,
            look: Look = Look()) -> Markup:
    """Marks drawn in the order given (the last on top); `title` names the figure."""
    w, h = look.width, look.height
    if not marks:
        return Markup(f'<svg class="{look.css_class}" viewBox="0 0 {w} {look.empty_height}" '
                      f'role="img" aria-label="{escape(title)}" {NS}><text x="{w / 2}" '
                      f'y="{look.empty_height / 2}" text-anchor="middle" class="vazio">'
                      f'{escape(look.empty_text)}</text></svg>')
    project, per_km = _projection([(m.lat, m.lon) for m in marks], look)
    n = uid(title, [(m.lat, m.lon, m.tip) for m in marks])
    role = "group" if any(m.href for m in marks) else "img"
    parts = [f'<svg class="{look.css_class}" viewBox="0 0 {w} {h}" role="{role}" '
             f'aria-labelledby="mt{n}" {NS}><title id="mt{n}">{escape(title)}</title>',
             f'<rect width="{w}" height="{h}" {look.background}/>']
    for lab in labels:
        x, y = project(lab.lat, lab.lon)
        parts.append(f'<text x="{x:.1f}" y="{y + 24:.1f}" text-anchor="middle" class="m-bairro">'
                     f'{escape(lab.text)}</text>')
    parts += [_mark(m, *project(m.lat, m.lon), w) for m in marks]
    parts.append(_scale_bar(per_km, look))
    if look.legend:
        parts.append(f'<text x="{look.pad}" y="{h - 6}" {look.legend_attrs}>'
                     f'{escape(look.legend)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


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


def _mark(m: Mark, x: float, y: float, width: int) -> str:
    body = _shape(m, x, y)
    if m.glyph:
        body += (f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="#fff" '
                 f'class="m-rotulo">{escape(m.glyph)}</text>')
    if m.name:
        dx, dy = m.name_at
        right = m.mirror and x > width * 0.55  # a long name would leave the map on the right
        anchor = f'<text x="{x - dx:.1f}" y="{y + dy:.1f}" text-anchor="end" ' if right else \
            f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" '
        body += f"{anchor}{m.name_attrs}>{escape(m.name)}</text>"
    tip = "" if m.tip_on_shape else f"<title>{escape(m.tip)}</title>"
    cls = f' class="{m.css_class}"' if m.css_class else ""
    group = f"<g{cls}>{tip}{body}</g>"
    if not m.href:
        return group
    return f'<a href="{escape(m.href)}" aria-label="{escape(m.link_name or m.tip)}">{group}</a>'


def _scale_bar(per_km: float, look: Look) -> str:
    """The largest round distance under 40 % of the width."""
    dist = next((d for d in (5, 2, 1, 0.5, 0.2, 0.1) if d * per_km <= 0.4 * look.width), 0.1)
    label = f"{dist:g} km" if dist >= 1 else f"{dist * 1000:.0f} m"
    y = look.height - 14 - (14 if look.legend else 0)
    return (f'<g class="escala"><line x1="{look.pad}" x2="{look.pad + dist * per_km:.1f}" '
            f'y1="{y}" y2="{y}" stroke="#1b1f24" stroke-width="3"/>'
            f'<text x="{look.pad}" y="{y - 6}" class="eixo" font-size="11">{label}</text></g>')
