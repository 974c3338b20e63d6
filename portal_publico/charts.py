"""The portal's figures, server-rendered SVG (no JavaScript, no tile server): monthly trends
and sampling results on the one line chart, presence/absence strips, and the map of systems
and points (`render.svg`). Every figure carries a title and a text description, and the pages
also show the same numbers in a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from core import fmt
from render.svg.base import uid
from render.svg.line_chart import PORTAL, Chart, Limit, Point, category_axis, y_scale
from render.svg.line_chart import line_chart as draw_line_chart
from render.svg.map import Label, Mark
from render.svg.map import map_svg as draw_map


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None],
               oks: Sequence[bool | None], *, unit: str = "", maximum: float | None = None,
               minimum: float | None = None, description: str = "") -> Markup:
    """Values with the limit band; a non-conforming value is drawn as a red cross (shape, not
    only colour) and the limits as labelled dashed lines. Labels "jan|2026": two lines."""
    points = [Point(i, v, "off" if ok is False else "", "" if v is None else
                    f"{labels[i].replace('|', '/')}: {fmt.number(v, 3)} {unit}"
                    + (" (fora do padrão)" if ok is False else ""))
              for i, (v, ok) in enumerate(zip(values, oks, strict=False))]
    limits = [Limit(v, f"limite {name}: {fmt.number(v, None)} {unit}", below=name == "mínimo")
              for v, name in ((maximum, "máximo"), (minimum, "mínimo")) if v is not None]
    present = [v for v in values if v is not None]
    chart = Chart(title=title, description=description, look=PORTAL,
                  x_range=(-0.5, max(len(values), 1) - 0.5), x_ticks=category_axis(labels),
                  y=y_scale(present + [lim.value for lim in limits], steps=4, from_zero=True),
                  limits=limits, empty="sem dados publicados no período")
    return draw_line_chart(chart, points)


def presence_strip(title: str, labels: Sequence[str], analysed: Sequence[int],
                   positives: Sequence[int], description: str = "") -> Markup:
    """Presence/absence parameters: one box per month with a tick (all absent), a cross and
    the count of samples with presence, or a dash (no data)."""
    n = max(len(labels), 1)
    w, h, cell = 360, 84, 360 / max(n, 1)
    n_id = uid(title, description, tuple(analysed), tuple(positives))
    parts = [f'<svg class="grafico" viewBox="0 0 {w} {h}" role="img" '
             f'aria-labelledby="gt{n_id} gd{n_id}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="gt{n_id}">{escape(title)}</title>',
             f'<desc id="gd{n_id}">{escape(description or title)}</desc>']
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

# point kind -> shape (not only colour tells a treatment outlet from a reservoir)
KIND_SHAPES = {"saida_tratamento": "square", "reservatorio": "triangle", "captacao": "diamond",
               "poco": "diamond"}


def map_svg(systems: Sequence[tuple[int, str, float, float, str]],
            points: Sequence[tuple[int, str, float, float, str, str]],
            *, here: tuple[float, float] | None = None, title: str = "Mapa",
            areas: Sequence[tuple[str, float, float]] = ()) -> Markup:
    """systems: (id, name, lat, lon, url); points: (id, name, lat, lon, kind, url);
    areas: (neighbourhood, lat, lon) written in grey for orientation; each mark is a link."""
    few = len(points) <= 3  # a point's own map names it; a system's many points stay marks
    marks = [Mark(lat, lon, name, shape=KIND_SHAPES.get(kind, "circle"), href=url,
                  css_class="m-ponto", name=name if few else "", mirror=True)
             for _id, name, lat, lon, kind, url in points]
    # the systems over the points: a point at the plant must not hide the "S"
    marks += [Mark(lat, lon, name, size=11, href=url, css_class="m-sistema", glyph="S",
                   name=name, mirror=True, paint='fill="#0b4f8a" stroke="#fff" stroke-width="2"')
              for _id, name, lat, lon, url in systems]
    if here:
        marks.append(Mark(*here, "Seu endereço (aproximado)", shape="target", size=9,
                          paint='fill="none" stroke="#b3261e" stroke-width="3"', dot="#b3261e",
                          name="você", name_at=(12, -8)))
    return draw_map(title, marks, [Label(lat, lon, text) for text, lat, lon in areas])


def map_destinations(systems: Sequence[tuple[int, str, float, float, str]],
                     points: Sequence[tuple[int, str, float, float, str, str]],
                     kinds: dict[str, str], *, current: str = "") -> list[dict[str, Any]]:
    """The links of `map_svg` (same arguments) as a list beside the map (_mapa.html): every
    destination reachable, and readable, without the figure."""
    out = [{"name": name, "href": url, "hint": "sistema de abastecimento", "current": url == current}
           for _id, name, _lat, _lon, url in systems]
    out += [{"name": name, "href": url, "hint": kinds.get(kind, kind), "current": url == current}
            for _id, name, _lat, _lon, kind, url in points]
    return out
