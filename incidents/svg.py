"""Server-rendered SVG for the console: the map of incidents and assets (from coordinates, no
tiles) and the chart of a tag around an anomaly. Pure: data in, markup out."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

TONE = {"critica": "#b00020", "alta": "#d9480f", "media": "#e8a317", "baixa": "#5c7cfa"}
ASSET_SHAPE = {"eta": "#1864ab", "captacao": "#0b7285", "poco": "#5f3dc4", "elevatoria": "#2b8a3e",
               "reservatorio": "#087f5b", "setor": "#868e96"}


LOCAL = ZoneInfo("America/Sao_Paulo")  # default; the console passes settings.timezone


def incident_map(incidents: Sequence[dict[str, Any]], assets: Sequence[dict[str, Any]],
                 width: int = 640, height: int = 420) -> str:
    """Points by latitude/longitude in an equirectangular box fitted to the data."""
    pts = [(p["lat"], p["lon"]) for p in [*incidents, *assets]
           if p.get("lat") is not None and p.get("lon") is not None]
    if not pts:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
                f'aria-label="Mapa sem coordenadas"><text x="20" y="40">Sem coordenadas para '
                f'mostrar.</text></svg>')
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    pad = 0.004
    la0, la1 = min(lats) - pad, max(lats) + pad
    lo0, lo1 = min(lons) - pad, max(lons) + pad
    m = 24

    def xy(lat: float, lon: float) -> tuple[float, float]:
        x = m + (lon - lo0) / (lo1 - lo0) * (width - 2 * m)
        y = m + (la1 - lat) / (la1 - la0) * (height - 2 * m)
        return round(x, 1), round(y, 1)

    # a map holding links is a group of links, not an image (axe: nested-interactive)
    role = "group" if any(i.get("lat") is not None and i.get("lon") is not None for i in incidents) else "img"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="{role}" '
           f'aria-label="Mapa de incidentes e ativos" class="mapa">',
           f'<rect width="{width}" height="{height}" fill="#f4f7f9" stroke="#ced4da"/>']
    for a in assets:
        if a.get("lat") is None or a.get("lon") is None:
            continue
        x, y = xy(a["lat"], a["lon"])
        color = ASSET_SHAPE.get(a.get("kind", ""), "#495057")
        out.append(f'<g><rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="{color}" '
                   f'opacity="0.8"><title>{escape(a["code"])} - {escape(a.get("name", ""))}</title></rect>'
                   f'<text x="{x + 8}" y="{y + 4}" font-size="10" fill="#343a40">{escape(a["code"])}</text></g>')
    for i in incidents:
        if i.get("lat") is None or i.get("lon") is None:
            continue
        x, y = xy(i["lat"], i["lon"])
        color = TONE.get(i.get("severity", ""), "#495057")
        link = escape(i.get("url", "#"))
        out.append(f'<a href="{link}" aria-label="{escape(i["protocol"])} - {escape(i["title"])}"><circle cx="{x}" cy="{y}" r="11" fill="{color}" fill-opacity="0.35" '
                   f'stroke="{color}" stroke-width="2"><title>{escape(i["protocol"])} - '
                   f'{escape(i["title"])} ({escape(i.get("state_label") or i.get("state", ""))})</title></circle>'
                   f'<circle cx="{x}" cy="{y}" r="4" fill="{color}"/></a>')
    out.append(f'<text x="{m}" y="{height - 6}" font-size="10" fill="#495057">'
               f'lat {la0:.3f} a {la1:.3f} · lon {lo0:.3f} a {lo1:.3f} · quadrados: ativos · '
               f'círculos: incidentes (cor = gravidade)</text></svg>')
    return "".join(out)


def tag_chart(points: Sequence[Any], *, start: dt.datetime, end: dt.datetime,
              marker: dt.datetime | None = None, unit: str = "", title: str = "",
              width: int = 640, height: int = 240, tz: ZoneInfo = LOCAL) -> str:
    """A line of (ts, value) points between start and end, a marker at the anomaly's start;
    the time axis in `tz` (the operators read local time)."""
    m_l, m_r, m_t, m_b = 48, 12, 22, 28
    span = (end - start).total_seconds() or 1.0
    vals = [p.value for p in points]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title or "Grafico da tag")}">',
           f'<rect width="{width}" height="{height}" fill="#fff"/>',
           f'<text x="{m_l}" y="14" font-size="12" fill="#212529">{escape(title)}</text>']
    if not vals:
        out.append(f'<text x="{m_l}" y="{height / 2}" font-size="12">Sem leituras no periodo.</text></svg>')
        return "".join(out)
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1

    def x(ts: dt.datetime) -> float:
        return round(m_l + (ts - start).total_seconds() / span * (width - m_l - m_r), 1)

    def y(v: float) -> float:
        return round(m_t + (hi - v) / (hi - lo) * (height - m_t - m_b), 1)

    step = (hi - lo) / 4
    places = min(4, max(0, 1 - math.floor(math.log10(step)))) if step > 0 else 1
    for k in range(5):
        v = lo + step * k
        label = f"{v:.{places}f}".replace(".", ",")  # enough places that no two ticks read alike
        out.append(f'<line x1="{m_l}" x2="{width - m_r}" y1="{y(v)}" y2="{y(v)}" stroke="#e9ecef"/>'
                   f'<text x="{m_l - 4}" y="{y(v) + 3}" font-size="9" text-anchor="end">{label}</text>')
    line = " ".join(f"{x(p.ts)},{y(p.value)}" for p in points)
    out.append(f'<polyline points="{line}" fill="none" stroke="#1864ab" stroke-width="1.5"/>')
    if marker is not None and start <= marker <= end:
        out.append(f'<line x1="{x(marker)}" x2="{x(marker)}" y1="{m_t}" y2="{height - m_b}" '
                   f'stroke="#b00020" stroke-dasharray="4 3"/><text x="{x(marker) + 3}" y="{m_t + 10}" '
                   f'font-size="10" fill="#b00020">início da anomalia</text>')
    t0, t1 = start.astimezone(tz), end.astimezone(tz)
    zone = "horário de Brasilia" if tz.key == "America/Sao_Paulo" else f"horário {tz.key}"
    out.append(f'<text x="{m_l}" y="{height - 8}" font-size="9">{t0:%d/%m %H:%M}</text>'
               f'<text x="{width - m_r}" y="{height - 8}" font-size="9" text-anchor="end">'
               f'{t1:%d/%m %H:%M} ({zone}) · {escape(unit)}</text></svg>')
    return "".join(out)
