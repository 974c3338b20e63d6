"""Telemetry views: anomalies (list, detail, acknowledge / close) and a tag's chart of the
last hours with its anomalies marked, drawn on the server as SVG (no JavaScript, no CDN)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from core import fmt
from core.auth import require
from core.errors import ValidationError
from core.web import current
from render.svg.time_series import TimeBand, time_series
from telemetry import monitor, services
from telemetry.detection import KIND_LABELS, SEVERITIES
from telemetry.models.anomalies import SEVERITY_LABELS, STATE_LABELS, AnomalyState
from telemetry.storage import StoreUnavailable, storage_for
from telemetry.views.blueprints import bp

SEVERITY_COLORS = {"baixa": "#d9a400", "media": "#e07000", "alta": "#c62828",
                   "critica": "#7b1fa2"}
SEVERITY_TONES = {"baixa": "alerta", "media": "alerta", "alta": "falha", "critica": "falha"}
MAX_HOURS = 24 * 31


def anomaly_band(a: Any) -> TimeBand:
    label = (f"{KIND_LABELS.get(a.kind, a.kind)} ({SEVERITY_LABELS.get(a.severity, a.severity)})"
             f": {a.message}")
    return TimeBand(a.started_at, a.ended_at, label, SEVERITY_COLORS.get(a.severity, "#c62828"),
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
             "title": f"{tag.name}: últimas {hours} h", "zone": fmt.zone(_settings().timezone),
             "expected_period_s": tag.expected_period_seconds, "limits": limits}
    svg = time_series(readings, start=start, end=end, **chart)
    # a phone gets a chart drawn for its width (a 960-wide one shrunk would have 4 px text)
    svg_narrow = time_series(readings, start=start, end=end, width=420, height=300, **chart)
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
        svg = time_series(frozen, start=s, end=e + dt.timedelta(minutes=1),
                          bands=[anomaly_band(a)], unit=a.tag.unit,
                          title=f"Evidência da anomalia {a.id}", zone=fmt.zone(tz),
                          expected_period_s=a.tag.expected_period_seconds, height=260)
    user = current()
    detector = ev.get("detector") or {}
    return render_template(
        "telemetry/anomalia.html", a=a, svg=svg, detector=detector,
        drivers=detector.get("drivers") or [], kind_labels=KIND_LABELS,
        severity_labels=SEVERITY_LABELS, state_labels=STATE_LABELS, tones=SEVERITY_TONES,
        can_manage=bool(user and user.can("telemetry.anomalies.manage")),
        chart_end=(a.ended_at or dt.datetime.now(dt.UTC)) + dt.timedelta(hours=2))


def _operator_act(act: Callable[[int, str, str], Any], anomaly_id: int, done: str) -> None:
    """Acknowledge or close an anomaly as the signed-in operator, with the form's note."""
    user = current()
    act(anomaly_id, user.username if user else "?", request.form.get("note", ""))
    flash(done, "sucesso")


@bp.route("/anomalias/<int:anomaly_id>/reconhecer", methods=["POST"])
@require("telemetry.anomalies.manage")
def anomaly_acknowledge(anomaly_id: int):  # type: ignore[no-untyped-def]
    _operator_act(monitor.acknowledge, anomaly_id, "Anomalia reconhecida.")
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
    _operator_act(monitor.close, anomaly_id, "Anomalia encerrada.")
    return redirect(url_for("telemetry.anomaly_detail", anomaly_id=anomaly_id))
