"""LIMS views: a collection point's online analysers (issue 18 section 3): the link to the
telemetry tags measuring its water (edited by a Gestor, audited) and the chart of their
readings with the lab's results of the same water, on the point's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from markupsafe import Markup

from core import fmt
from core.auth import require
from core.db import utcnow
from core.web import current
from lims.domain import sensor_lab as rule
from lims.models.sensors import QUANTITY_LABELS
from lims.services import sensor_lab
from lims.views.blueprints import bp
from render.svg.time_series import time_series

CHART_DAYS = 7


def chart(s: Any, start: dt.datetime, end: dt.datetime) -> tuple[Markup, Markup]:
    """One analyser's line with the lab's results as diamonds (red: out of the standard),
    wide and for the phone."""
    title = f"{s.label}: analisador {s.tag} e laboratório"
    wide = time_series(s.readings, start=start, end=end, zone=fmt.zone(), title=title,
                       caption=title, unit=s.unit, samples=s.lab, width=960, height=300)
    narrow = time_series(s.readings, start=start, end=end, zone=fmt.zone(), title=title,
                         unit=s.unit, samples=s.lab, width=360, height=240)
    return wide, narrow


def point_sensors(point_id: int) -> dict[str, Any]:
    """What the point page's sensor section shows (links, choices, charts)."""
    end = utcnow()
    start = end - dt.timedelta(days=CHART_DAYS)
    series = sensor_lab.series(point_id, start, end, published_only=False)
    start = rule.chart_start(series, start)
    return {"links": {q: link.tag for q, link in sensor_lab.links(point_id).items()},
            "choices": sensor_lab.tag_choices(), "labels": QUANTITY_LABELS,
            "charts": [(s, chart(s, start, end)) for s in series], "days": CHART_DAYS}


@bp.context_processor
def _sensor_section() -> dict[str, Any]:
    return {"point_sensors": point_sensors}


@bp.route("/cadastros/pontos/<int:record_id>/sensores", methods=["POST"])
@require("lims.registry.edit")
def point_sensor_tags(record_id: int):  # type: ignore[no-untyped-def]
    tags = {q: request.form.get(q, "") for q in QUANTITY_LABELS}
    sensor_lab.set_point_tags(record_id, tags, user_id=current().id,
                              reason=request.form.get("motivo", ""))
    flash("Sensores on-line do ponto atualizados.", "sucesso")
    return redirect(url_for("lims.registry_form", key="pontos", record_id=record_id))
