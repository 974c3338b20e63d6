"""Server-rendered SVG: trend charts and the map of systems and points (no JavaScript, no
tile server). Pure functions returning markup; every figure carries a title and a text
description, and the pages also show the same numbers in a table."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from markupsafe import Markup, escape


def _uid(*parts: object) -> str:
    """A stable element id (same page, same bytes: ETags and caches keep working)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def _n(v: float, places: int = 2) -> str:
    return f"{v:.{places}f}".replace(".", ",")


def _nice_step(v: float) -> float:
    """A round tick step so that 4 steps cover v (1, 2, 2.5 or 5 times a power of ten)."""
    import math

    if v <= 0:
        return 0.25
    raw = v / 4
    p = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * p:
            return m * p
    return 10 * p


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None],
               oks: Sequence[bool | None], *, unit: str = "", maximum: float | None = None,
               minimum: float | None = None, description: str = "") -> Markup:
    """A line chart of values with the limit band; a non-conforming value is drawn as a red
    cross (shape, not only colour) and the limits as labelled dashed lines."""
    # a narrow viewBox: on a 360-px phone the SVG is drawn near 1:1, so text stays legible
    w, h, left, right, top, bottom = 360, 190, 34, 8, 12, 32
    pw, ph = w - left - right, h - top - bottom
    present = [v for v in values if v is not None]
    hi = max(present + [x for x in (maximum, minimum) if x is not None] + [0.0])
    tick = _nice_step(hi * 1.08 if hi else 1.0)
    ymax = tick * 4
    places = 0 if tick >= 1 else 1 if tick * 10 == int(tick * 10) else 2
    uid = _uid(title, description, tuple(values))
    n = max(len(values), 1)

    def x(i: int) -> float:
        return left + (pw * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + ph - ph * min(v, ymax) / ymax

    parts = [f'<svg class="grafico" viewBox="0 0 {w} {h}" role="img" '
             f'aria-labelledby="gt{uid} gd{uid}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="gt{uid}">{escape(title)}</title>',
             f'<desc id="gd{uid}">{escape(description or title)}</desc>',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fff" stroke="#d4d9df"/>']
    for k in range(0, 5):
        v = ymax * k / 4
        yy = y(v)
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                     f'stroke="#eef1f4"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="eixo">'
                     f'{_n(v, places)}</text>')
    for lim, label in ((maximum, "máximo"), (minimum, "mínimo")):
        if lim is None or lim > ymax:
            continue
        yy = y(lim)
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                     f'stroke="#b3261e" stroke-width="1.5" stroke-dasharray="6 4"/>')
        ty = yy + 12 if label == "mínimo" and yy + 12 < top + ph else yy - 4
        shown = f"{lim:g}".replace(".", ",")
        parts.append(f'<text x="{left + pw - 4}" y="{ty:.1f}" text-anchor="end" '
                     f'class="limite">limite {label}: {shown} {escape(unit)}</text>')
    step = max(1, -(-n // 7)) if n > 12 else 1
    for i, lab in enumerate(labels):
        if i % step == 0:
            first, _, second = lab.partition("|")
            parts.append(f'<text x="{x(i):.1f}" y="{h - bottom + 13}" text-anchor="middle" '
                         f'class="eixo">{escape(first)}</text>')
            if second:
                parts.append(f'<text x="{x(i):.1f}" y="{h - bottom + 25}" text-anchor="middle" '
                             f'class="eixo">{escape(second)}</text>')
    path, seg = [], []
    for i, v in enumerate(values):
        if v is None:
            if seg:
                path.append(seg)
            seg = []
            continue
        seg.append(f"{x(i):.1f},{y(v):.1f}")
    if seg:
        path.append(seg)
    for s in path:
        parts.append(f'<polyline points="{" ".join(s)}" fill="none" stroke="#0b4f8a" '
                     f'stroke-width="2"/>')
    for i, (v, ok) in enumerate(zip(values, oks, strict=False)):
        if v is None:
            continue
        xx, yy = x(i), y(v)
        tip = f"{labels[i].replace('|', '/')}: {_n(v, 3)} {unit}" + (" (fora do padrão)" if ok is False else "")
        if ok is False:
            parts.append(f'<g><title>{escape(tip)}</title><path d="M{xx - 5:.1f},{yy - 5:.1f} '
                         f'L{xx + 5:.1f},{yy + 5:.1f} M{xx - 5:.1f},{yy + 5:.1f} L{xx + 5:.1f},'
                         f'{yy - 5:.1f}" stroke="#b3261e" stroke-width="3"/></g>')
        else:
            parts.append(f'<circle cx="{xx:.1f}" cy="{yy:.1f}" r="3.5" fill="#0b4f8a">'
                         f'<title>{escape(tip)}</title></circle>')
    if not present:
        parts.append(f'<text x="{left + pw / 2}" y="{top + ph / 2}" text-anchor="middle" '
                     f'class="vazio">sem dados publicados no período</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def presence_strip(title: str, labels: Sequence[str], analysed: Sequence[int],
                   positives: Sequence[int], description: str = "") -> Markup:
    """Presence/absence parameters: one box per month with a tick (all absent), a cross and
    the count of samples with presence, or a dash (no data)."""
    n = max(len(labels), 1)
    w, h, cell = 360, 84, 360 / max(n, 1)
    uid = _uid(title, description, tuple(analysed), tuple(positives))
    parts = [f'<svg class="grafico" viewBox="0 0 {w} {h}" role="img" '
             f'aria-labelledby="gt{uid} gd{uid}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="gt{uid}">{escape(title)}</title>',
             f'<desc id="gd{uid}">{escape(description or title)}</desc>']
    for i, lab in enumerate(labels):
        x0 = i * cell + 2
        a, p = analysed[i], positives[i]
        if a == 0:
            fill, mark, tip = "#eef1f4", "–", "sem dados"
        elif p == 0:
            fill, mark, tip = "#d8eedd", "✓", f"{a} amostras, todas com ausência"
        else:
            fill, mark, tip = "#f7d9d7", f"✗ {p}", f"{p} de {a} amostras com presença"
        first, _, second = lab.partition("|")
        parts.append(f'<g><title>{escape(lab.replace("|", "/"))}: {escape(tip)}</title>'
                     f'<rect x="{x0:.1f}" y="4" width="{cell - 3:.1f}" height="44" rx="3" '
                     f'fill="{fill}" stroke="#9aa3ad"/>'
                     f'<text x="{x0 + (cell - 3) / 2:.1f}" y="31" text-anchor="middle" '
                     f'class="marca-mes">{escape(mark)}</text></g>')
        parts.append(f'<text x="{x0 + (cell - 3) / 2:.1f}" y="62" text-anchor="middle" '
                     f'class="eixo">{escape(first)}</text>')
        if second:
            parts.append(f'<text x="{x0 + (cell - 3) / 2:.1f}" y="74" text-anchor="middle" '
                         f'class="eixo">{escape(second)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def short_date(at: dt.datetime) -> str:
    return at.strftime("%d/%m")


# -- the map ------------------------------------------------------------------------------------

KIND_SHAPES = {"saida_tratamento": "quadrado", "reservatorio": "triangulo", "captacao": "losango",
               "poco": "losango"}


def map_svg(systems: Sequence[tuple[int, str, float, float, str]],
            points: Sequence[tuple[int, str, float, float, str, str]],
            *, here: tuple[float, float] | None = None, title: str = "Mapa",
            areas: Sequence[tuple[str, float, float]] = ()) -> Markup:
    """systems: (id, name, lat, lon, url); points: (id, name, lat, lon, kind, url);
    areas: (neighbourhood, lat, lon) written in grey for orientation.
    An equirectangular projection fitted to the coordinates; each mark is a link."""
    coords = [(s[2], s[3]) for s in systems] + [(p[2], p[3]) for p in points]
    if here:
        coords.append(here)
    uid = _uid(title, tuple(systems), tuple(points), here)
    w, h, pad = 400, 300, 28
    if not coords:
        return Markup(f'<svg class="mapa" viewBox="0 0 {w} 80" role="img" aria-label="{escape(title)}">'
                      f'<text x="{w / 2}" y="40" text-anchor="middle" class="vazio">sem coordenadas '
                      f'cadastradas</text></svg>')
    lats, lons = [c[0] for c in coords], [c[1] for c in coords]
    import math

    k = math.cos(math.radians(sum(lats) / len(lats)))
    x0, x1 = min(lons) * k, max(lons) * k
    y0, y1 = min(lats), max(lats)
    span = max(x1 - x0, y1 - y0, 0.005)
    sx = (w - 2 * pad) / span
    sy = (h - 2 * pad) / span
    s = min(sx, sy)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    def px(lat: float, lon: float) -> tuple[float, float]:
        return w / 2 + (lon * k - cx) * s, h / 2 - (lat - cy) * s

    # a map holding links is a group of links, not an image (axe: nested-interactive)
    role = "group" if systems or points else "img"
    parts = [f'<svg class="mapa" viewBox="0 0 {w} {h}" role="{role}" aria-labelledby="mt{uid}" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="mt{uid}">{escape(title)}</title>',
             f'<rect width="{w}" height="{h}" fill="#eaf2ea"/>']
    for text, lat, lon in areas:
        x, y = px(lat, lon)
        parts.append(f'<text x="{x:.1f}" y="{y + 24:.1f}" text-anchor="middle" class="m-bairro">'
                     f'{escape(text)}</text>')
    for _sid, name, lat, lon, url in systems:
        x, y = px(lat, lon)
        parts.append(f'<a href="{escape(url)}" aria-label="{escape(name)}"><g class="m-sistema"><title>{escape(name)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="#0b4f8a" stroke="#fff" '
                     f'stroke-width="2"/><text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" '
                     f'fill="#fff" class="m-rotulo">S</text>'
                     + (f'<text x="{x - 15:.1f}" y="{y + 4:.1f}" text-anchor="end" '
                        if x > w * 0.55 else f'<text x="{x + 15:.1f}" y="{y + 4:.1f}" ')
                     + f'class="m-nome">{escape(name)}</text>'
                     f'</g></a>')
    for _pid, name, lat, lon, kind, url in points:
        x, y = px(lat, lon)
        shape = KIND_SHAPES.get(kind, "circulo")
        if shape == "quadrado":
            mark = f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12"'
        elif shape == "triangulo":
            mark = f'<path d="M{x:.1f},{y - 8:.1f} L{x + 7:.1f},{y + 5:.1f} L{x - 7:.1f},{y + 5:.1f} Z"'
        elif shape == "losango":
            mark = f'<path d="M{x:.1f},{y - 8:.1f} L{x + 7:.1f},{y:.1f} L{x:.1f},{y + 8:.1f} L{x - 7:.1f},{y:.1f} Z"'
        else:
            mark = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6"'
        parts.append(f'<a href="{escape(url)}" aria-label="{escape(name)}"><g class="m-ponto"><title>{escape(name)}</title>'
                     f'{mark} fill="#f0b400" stroke="#5b4400" stroke-width="1.5"/></g></a>')
    if here:
        x, y = px(*here)
        parts.append(f'<g><title>Seu endereço (aproximado)</title><circle cx="{x:.1f}" cy="{y:.1f}" '
                     f'r="9" fill="none" stroke="#b3261e" stroke-width="3"/>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#b3261e"/>'
                     f'<text x="{x + 12:.1f}" y="{y - 8:.1f}" class="m-nome">você</text></g>')
    # scale bar: the largest round distance under 40 % of the width
    per_km = s / 111.32
    dist = next((d for d in (5, 2, 1, 0.5, 0.2, 0.1) if d * per_km <= 0.4 * w), 0.1)
    label = f"{dist:g} km" if dist >= 1 else f"{dist * 1000:.0f} m"
    parts.append(f'<g class="escala"><line x1="{pad}" x2="{pad + dist * per_km:.1f}" y1="{h - 14}" '
                 f'y2="{h - 14}" stroke="#1b1f24" stroke-width="3"/>'
                 f'<text x="{pad}" y="{h - 20}" class="eixo">{label}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
