"""The incident page's lab section (issue 18 section 3): the extra samples the incident asked
for and their verdicts, each linked point's analyser with the lab's results around the event,
and closing with the samples' evidence once they all conform."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, request, url_for
from markupsafe import Markup

from core import fmt
from core.auth import require
from core.db import utcnow
from incidents.models import Incident
from incidents.services import quality_loop
from incidents.views.blueprints import bp
from incidents.views.outcome import attempt
from lims import api as lims_api
from render.svg.time_series import time_series

ROLES = {"mesmo_ponto": "ponto da anomalia", "jusante": "a jusante"}
STATES = {"pendente": ("aguardando resultado", "alerta"), "conforme": ("conforme", "ok"),
          "nao_conforme": ("fora do padrão", "falha")}


def _window(inc: Incident) -> tuple[dt.datetime, dt.datetime]:
    """From 12 h before the event to a day after it (or now, or the resolution; at least
    3 h after, so the event's marker and its label stay inside the chart)."""
    start = inc.opened_at - dt.timedelta(hours=12)
    end = min(utcnow(), inc.opened_at + dt.timedelta(days=1))
    if inc.resolved_at:
        end = max(end, min(inc.resolved_at + dt.timedelta(hours=1),
                           inc.opened_at + dt.timedelta(days=3)))
    return start, max(end, inc.opened_at + dt.timedelta(hours=3))


def _charts(inc: Incident) -> list[tuple[str, Any, tuple[Markup, ...]]]:
    if inc.kind != "qualidade" or not inc.tag:
        return []
    start, end = _window(inc)
    out = []
    for point in lims_api.points_for_tag(inc.tag):
        for s in lims_api.sensor_lab_series(point.id, start, end, published_only=False):
            title = f"{s.label} em {point.name}: analisador {s.tag} e laboratório"
            out.append((point.name, s, tuple(time_series(  # wide, and the phone's
                s.readings, start=start, end=end, zone=fmt.zone(), title=title,
                caption=title if w > 400 else "", unit=s.unit, samples=s.lab,
                marker=(inc.opened_at, "incidente aberto"), width=w, height=h)
                for w, h in ((720, 260), (360, 240)))))
    return out


@bp.app_template_global("incident_lab_section")
def lab_section(inc: Incident) -> dict[str, Any]:
    """What the incident page's lab section shows (incidents/_laboratorio.html calls it)."""
    return {"samples": quality_loop.extra_samples(inc), "charts": _charts(inc),
            "may_close": inc.is_open and quality_loop.all_conforming(inc),
            "roles": ROLES, "states": STATES}


@bp.route("/<int:incident_id>/encerrar-com-amostras", methods=["POST"])
@require("incidents.incident.manage")
def close_with_samples(incident_id: int):  # type: ignore[no-untyped-def]
    attempt(lambda: quality_loop.close_with_samples(
        incident_id, cancel_orders=request.form.get("cancelar_os") == "1",
        reason=request.form.get("reason", "")),
        "Incidente encerrado: as amostras extras conformes ficam nas evidências.")
    return redirect(url_for("incidents.detail", incident_id=incident_id))
