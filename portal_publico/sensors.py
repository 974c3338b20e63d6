"""The point page's online analysers for citizens (issue 18 section 3): each analyser's
continuous reading over the last week with the lab's PUBLISHED results of the same water on
the same chart. Read through lims.api (the portal imports no telemetry module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from core import fmt
from core.db import utcnow
from lims import api as lims_api
from render.svg.time_series import time_series

DAYS = 7


def _chart(s: Any, start: dt.datetime, end: dt.datetime) -> Markup:
    title = f"{s.label}: medição contínua e análises do laboratório"
    return time_series(s.readings, start=start, end=end, zone=fmt.zone(), title=title,
                       unit=s.unit, samples=s.lab, width=720, height=280)


def point_sensor_charts(point_id: int) -> list[tuple[Any, Markup]]:
    """[(series, chart)] of the point's analysers (none when the point has no analyser)."""
    end = utcnow()
    start = end - dt.timedelta(days=DAYS)
    series = lims_api.sensor_lab_series(point_id, start, end, published_only=True)
    start = lims_api.chart_start(series, start)
    return [(s, _chart(s, start, end)) for s in series]


def context() -> dict[str, Any]:
    """Template names for the point page's sensor section (a blueprint context processor)."""
    return {"point_sensor_charts": point_sensor_charts, "sensor_days": DAYS}
