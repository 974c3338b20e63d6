"""Telemetry views: anomalies (list, detail, acknowledge / close) and a tag's chart of the
last hours with its anomalies marked, drawn on the server as SVG (no JavaScript, no CDN)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from core import fmt
from core.auth import require
from core.errors import ValidationError
from core.web import current
from telemetry import monitor, services
from telemetry.detection import KIND_LABELS, SEVERITIES
from telemetry.models.anomalies import SEVERITY_LABELS, STATE_LABELS, AnomalyState
from telemetry.storage import StoreUnavailable, storage_for
from telemetry.views.blueprints import bp

SEVERITY_COLORS = {"baixa": "#d9a400", "media": "#e07000", "alta": "#c62828",
                   "critica": "#7b1fa2"}
SEVERITY_TONES = {"baixa": "alerta", "media": "alerta", "alta": "falha", "critica": "falha"}
MAX_HOURS = 24 * 31


# ---------------------------------------------------------------------------------------------
# SVG chart (pure: points and bands in, markup out)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A time interval to shade on the chart (an anomaly)."""

    start: dt.datetime
    end: dt.datetime | None  # None: still going
    label: str
    color: str
    href: str | None = None


def _nice_step(span: float, target: int = 5) -> float:
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _fmt_num(v: float, step: float) -> str:
    decimals = max(0, -int(math.floor(math.log10(step)))) if step < 1 else 0
    return fmt.number(v, decimals)


def _downsample(points: Sequence[tuple[float, float]], buckets: int) -> list[tuple[float, float]]:
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
            lo, hi = min(cur, key=lambda q: q[1]), max(cur, key=lambda q: q[1])
            out.extend(sorted({lo, hi}))
            cur = []
        col = c
        cur.append(p)
    if cur:
        lo, hi = min(cur, key=lambda q: q[1]), max(cur, key=lambda q: q[1])
        out.extend(sorted({lo, hi}))
    return out


def chart_svg(readings: Sequence[Any], *, start: dt.datetime, end: dt.datetime,
              bands: Sequence[Band] = (), unit: str = "", title: str = "",
              tz: str | None = None, expected_period_s: float = 60.0,
              width: int = 960, height: int = 340,
              limits: Sequence[tuple[float, str]] = ()) -> Markup:
    """The readings (ts, value, quality) between start and end as an SVG line chart.

    Good readings form the line (broken where data is missing for more than 3 expected
    periods); readings of bad quality are grey crosses; each band (anomaly) is a shaded
    strip with its label; `limits` are dashed horizontal lines (value, label)."""
    zone = fmt.zone(tz)  # the settings' zone unless one is given
    tz = zone.key
    ml, mr, mt, mb = 58, 14, 28, 46
    pw, ph = width - ml - mr, height - mt - mb
    t0, t1 = start.timestamp(), end.timestamp()
    span_t = max(t1 - t0, 1.0)
    good = [(r.ts.timestamp(), float(r.value)) for r in readings
            if r.quality == "good" and math.isfinite(r.value) and start <= r.ts <= end]
    bad = [(r.ts.timestamp(), float(r.value)) for r in readings
           if r.quality != "good" and math.isfinite(r.value) and start <= r.ts <= end]
    values = [v for _, v in good] + [v for v, _ in limits]
    if values:
        lo, hi = min(values), max(values)
    else:
        lo, hi = 0.0, 1.0
    if hi - lo < 1e-9:
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    if hi <= lo:
        hi = lo + step

    def x(t: float) -> float:
        return ml + (t - t0) / span_t * pw

    def y(v: float) -> float:
        return mt + (hi - v) / (hi - lo) * ph

    parts: list[str] = []
    label = title or "Gráfico"
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="g{width}-t g{width}-d" class="grafico" preserveAspectRatio="xMidYMid meet">'
        f'<title id="g{width}-t">{escape(label)}</title>'
        f'<desc id="g{width}-d">{len(good)} leituras de {escape(fmt.date_time(start, zone))} a '
        f'{escape(fmt.date_time(end, zone))}; {len(bands)} anomalia(s) marcada(s).</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>')
    # anomaly bands under the line
    for b in bands:
        bs = max(b.start.timestamp(), t0)
        be = min((b.end or end).timestamp(), t1)
        if be < t0 or bs > t1:
            continue
        bx, bw = x(bs), max(x(be) - x(bs), 3.0)
        rect = (f'<rect x="{bx:.1f}" y="{mt}" width="{bw:.1f}" height="{ph}" fill="{b.color}" '
                f'fill-opacity="0.18" stroke="{b.color}" stroke-opacity="0.7"/>'
                f'<rect x="{bx:.1f}" y="{mt - 6}" width="{bw:.1f}" height="6" fill="{b.color}"/>')
        tip = f"<title>{escape(b.label)}</title>"
        if b.href:
            parts.append(f'<a href="{escape(b.href)}">{tip}{rect}</a>')
        else:
            parts.append(f"<g>{tip}{rect}</g>")
    # grid and y axis
    v = lo
    while v <= hi + step / 2:
        yy = y(v)
        parts.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                     f'stroke="#e3e7eb"/>'
                     f'<text x="{ml - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#555">{_fmt_num(v, step)}</text>')
        v += step
    # time axis: ticks on round local times (minutes for short windows, days for long ones)
    span_min = span_t / 60
    max_ticks = 8 if pw >= 600 else 4
    tick_m = next((m for m in (5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 10080)
                   if span_min / m <= max_ticks), 10080)
    local0 = start.astimezone(zone)
    midnight = local0.replace(hour=0, minute=0, second=0, microsecond=0)
    since = (local0 - midnight).total_seconds() / 60
    tick = midnight + dt.timedelta(minutes=math.ceil(since / min(tick_m, 1440)) * min(tick_m, 1440))
    while tick.timestamp() <= t1:
        if tick.timestamp() >= t0:
            xx = x(tick.timestamp())
            if tick_m < 60:
                lab = tick.strftime("%H:%M")
            elif tick.hour == 0 and tick.minute == 0 or tick_m >= 1440:
                lab = tick.strftime("%d/%m")
            else:
                lab = tick.strftime("%Hh")
            parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{mt}" y2="{mt + ph}" '
                         f'stroke="#eef0f2"/>'
                         f'<text x="{xx:.1f}" y="{mt + ph + 18}" text-anchor="middle" '
                         f'font-size="12" fill="#555">{lab}</text>')
        # step in local wall-clock time, so a day tick stays on midnight
        tick = (tick.replace(tzinfo=None) + dt.timedelta(minutes=tick_m)).replace(tzinfo=zone)
    parts.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" '
                 f'stroke="#b8c0c8"/>')
    if unit:
        parts.append(f'<text x="{ml - 6}" y="{mt - 10}" text-anchor="end" font-size="12" '
                     f'fill="#555">{escape(unit)}</text>')
    parts.append(f'<text x="{ml + pw}" y="{height - 8}" text-anchor="end" font-size="11" '
                 f'fill="#777">horário {escape(tz)}</text>')
    for value, lab in limits:
        if lo <= value <= hi:
            yy = y(value)
            parts.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                         f'stroke="#c62828" stroke-dasharray="6 4"/>'
                         f'<text x="{ml + pw - 4}" y="{yy - 4:.1f}" text-anchor="end" '
                         f'font-size="11" fill="#c62828">{escape(lab)}</text>')
    # the line, broken at gaps
    gap = max(3 * expected_period_s, span_t / 400)
    pts = _downsample(good, pw)
    segment: list[str] = []
    segments: list[list[str]] = []
    prev_t: float | None = None
    for t, val in pts:
        if prev_t is not None and t - prev_t > gap and segment:
            segments.append(segment)
            segment = []
        segment.append(f"{x(t):.1f},{y(val):.1f}")
        prev_t = t
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) == 1:
            cx, cy = seg[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="#1f5f99"/>')
        else:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="#1f5f99" '
                         f'stroke-width="1.6" stroke-linejoin="round"/>')
    for t, val in bad[:500]:
        xx, yy = x(t), y(min(max(val, lo), hi))
        parts.append(f'<path d="M{xx - 3:.1f},{yy - 3:.1f}l6,6m0,-6l-6,6" stroke="#888" '
                     f'stroke-width="1.2"><title>qualidade ruim</title></path>')
    if not good:
        parts.append(f'<text x="{ml + pw / 2}" y="{mt + ph / 2}" text-anchor="middle" '
                     f'font-size="16" fill="#777">Sem leituras no periodo</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def anomaly_band(a: Any) -> Band:
    label = (f"{KIND_LABELS.get(a.kind, a.kind)} ({SEVERITY_LABELS.get(a.severity, a.severity)})"
             f": {a.message}")
    return Band(a.started_at, a.ended_at, label, SEVERITY_COLORS.get(a.severity, "#c62828"),
                url_for("telemetry.anomaly_detail", anomaly_id=a.id))


# ---------------------------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------------------------


def _settings() -> Any:
    return current_app.config["SAAE_SETTINGS"]


def _parse_end(raw: str | None) -> dt.datetime:
    if not raw:
        return dt.datetime.now(dt.UTC)
    try:
        d = dt.datetime.fromisoformat(raw)
    except ValueError:
        d = None
    if d is None:  # "+03:00" typed in a URL arrives as " 03:00"
        try:
            d = dt.datetime.fromisoformat(raw.replace(" ", "+"))
        except ValueError:
            d = None
    if d is None:
        raise ValidationError("Data final inválida; use AAAA-MM-DDTHH:MM.",
                              fields={"fim": ["Data inválida."]})
    if d.tzinfo is None:
        d = d.replace(tzinfo=fmt.zone())
    return d.astimezone(dt.UTC)


@bp.route("/grafico/<path:name>")
@require("telemetry.anomalies.view")
def tag_chart(name: str):  # type: ignore[no-untyped-def]
    """A tag's last `horas` hours (default 24) up to `fim` (default now), anomalies marked."""
    tag = services.get_tag(name)
    try:
        hours = int(request.args.get("horas", 24))
    except ValueError:
        hours = 0
    if not 1 <= hours <= MAX_HOURS:
        raise ValidationError(f"Período inválido: informe de 1 a {MAX_HOURS} horas.",
                              fields={"horas": ["Entre 1 e 744."]})
    end = _parse_end(request.args.get("fim"))
    start = end - dt.timedelta(hours=hours)
    store_error = None
    try:
        readings = storage_for(_settings()).read_window(tag.name, start, end)
    except StoreUnavailable as exc:
        readings, store_error = [], f"Banco de series temporais indisponível: {exc}"
    anomalies = monitor.anomalies_in(tag.name, start, end, related=True)
    limits = []
    lim = (tag.detectors or {}).get("limite")
    if isinstance(lim, dict):
        for key, lab in (("high", "limite superior"), ("low", "limite inferior")):
            if isinstance(lim.get(key), int | float):
                limits.append((float(lim[key]), f"{lab} {fmt.number(lim[key], None)}"))
    chart = {"bands": [anomaly_band(a) for a in anomalies], "unit": tag.unit,
             "title": f"{tag.name}: últimas {hours} h", "tz": _settings().timezone,
             "expected_period_s": tag.expected_period_seconds, "limits": limits}
    svg = chart_svg(readings, start=start, end=end, **chart)
    # a phone gets a chart drawn for its width (a 960-wide one shrunk would have 4 px text)
    svg_narrow = chart_svg(readings, start=start, end=end, width=420, height=300, **chart)
    good = [r.value for r in readings if r.quality == "good"]
    stats = {"n": len(readings), "bad": len(readings) - len(good),
             "min": min(good) if good else None, "max": max(good) if good else None,
             "last": readings[-1] if readings else None}
    return render_template("telemetry/grafico.html", tag=tag, svg=svg, svg_narrow=svg_narrow,
                           hours=hours, start=start,
                           end=end, anomalies=anomalies, stats=stats, store_error=store_error,
                           kind_labels=KIND_LABELS, severity_labels=SEVERITY_LABELS,
                           state_labels=STATE_LABELS, tones=SEVERITY_TONES)


@bp.route("/anomalias")
@require("telemetry.anomalies.view")
def anomalies():  # type: ignore[no-untyped-def]
    state = request.args.get("estado", "")
    kind = request.args.get("tipo", "")
    tag = request.args.get("tag", "").strip()
    falhas = request.args.get("origem", "")
    if state and state not in {s.value for s in AnomalyState}:
        state = ""
    if kind and kind not in KIND_LABELS:
        kind = ""
    process = {"processo": True, "sensor": False}.get(falhas)
    rows = monitor.list_anomalies(state=state or None, kind=kind or None, tag=tag or None,
                                  process=process, limit=300)
    user = current()
    return render_template(
        "telemetry/anomalias.html", rows=rows, state=state, kind=kind, tag=tag, origem=falhas,
        open_count=monitor.open_count(), kind_labels=KIND_LABELS,
        severity_labels=SEVERITY_LABELS, state_labels=STATE_LABELS, tones=SEVERITY_TONES,
        states=list(AnomalyState), severities=SEVERITIES,
        can_manage=bool(user and user.can("telemetry.anomalies.manage")))


@bp.route("/anomalias/<int:anomaly_id>")
@require("telemetry.anomalies.view")
def anomaly_detail(anomaly_id: int):  # type: ignore[no-untyped-def]
    a = monitor.get_anomaly(anomaly_id)
    tz = _settings().timezone
    ev = a.evidence or {}

    @dataclass(frozen=True)
    class _R:
        ts: dt.datetime
        value: float
        quality: str

    frozen = []
    for item in ev.get("readings") or []:
        try:
            ts, value, quality = item
            if value is not None:
                frozen.append(_R(dt.datetime.fromisoformat(ts), float(value), quality))
        except (TypeError, ValueError):
            continue
    svg = None
    if frozen:
        s = min(frozen[0].ts, a.started_at)
        e = max(frozen[-1].ts, a.ended_at or frozen[-1].ts)
        svg = chart_svg(frozen, start=s, end=e + dt.timedelta(minutes=1), bands=[anomaly_band(a)],
                        unit=a.tag.unit, title=f"Evidência da anomalia {a.id}", tz=tz,
                        expected_period_s=a.tag.expected_period_seconds, height=260)
    user = current()
    detector = ev.get("detector") or {}
    return render_template(
        "telemetry/anomalia.html", a=a, svg=svg, detector=detector,
        drivers=detector.get("drivers") or [], kind_labels=KIND_LABELS,
        severity_labels=SEVERITY_LABELS, state_labels=STATE_LABELS, tones=SEVERITY_TONES,
        can_manage=bool(user and user.can("telemetry.anomalies.manage")),
        chart_end=(a.ended_at or dt.datetime.now(dt.UTC)) + dt.timedelta(hours=2))


@bp.route("/anomalias/<int:anomaly_id>/reconhecer", methods=["POST"])
@require("telemetry.anomalies.manage")
def anomaly_acknowledge(anomaly_id: int):  # type: ignore[no-untyped-def]
    user = current()
    monitor.acknowledge(anomaly_id, user.username if user else "?", request.form.get("note", ""))
    flash("Anomalia reconhecida.", "sucesso")
    nxt = request.form.get("next") or ""
    if not nxt.startswith("/") or nxt.startswith("//"):  # only back into this site
        nxt = url_for("telemetry.anomaly_detail", anomaly_id=anomaly_id)
    return redirect(nxt)


@bp.route("/anomalias/<int:anomaly_id>/rotular", methods=["POST"])
@require("telemetry.anomalies.manage")
def anomaly_label(anomaly_id: int):  # type: ignore[no-untyped-def]
    user = current()
    monitor.label(anomaly_id, request.form.get("label", ""), user.username if user else "?")
    flash("Avaliação registrada: entra no próximo treino do detector.", "sucesso")
    return redirect(url_for("telemetry.anomaly_detail", anomaly_id=anomaly_id))


@bp.route("/anomalias/<int:anomaly_id>/encerrar", methods=["POST"])
@require("telemetry.anomalies.manage")
def anomaly_close(anomaly_id: int):  # type: ignore[no-untyped-def]
    user = current()
    monitor.close(anomaly_id, user.username if user else "?", request.form.get("note", ""))
    flash("Anomalia encerrada.", "sucesso")
    return redirect(url_for("telemetry.anomaly_detail", anomaly_id=anomaly_id))
