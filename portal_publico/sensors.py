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


def _chart(s: Any, start: dt.datetime, end: dt.datetime) -> tuple[Markup, Markup]:
    """The wide chart and the phone's (its texts stay legible at 390 px)."""
    title = f"{s.label}: medição contínua e análises do laboratório"
    return tuple(time_series(s.readings, start=start, end=end, zone=fmt.zone(), title=title,
                             unit=s.unit, samples=s.lab, width=w, height=h)
                 for w, h in ((720, 280), (360, 260)))  # type: ignore[return-value]


def point_sensor_charts(point_id: int) -> list[tuple[Any, tuple[Markup, Markup]]]:
    """[(series, (wide, narrow))] of the point's analysers (none without an analyser)."""
    end = utcnow()
    start = end - dt.timedelta(days=DAYS)
    series = lims_api.sensor_lab_series(point_id, start, end, published_only=True)
    start = lims_api.chart_start(series, start)
    return [(s, _chart(s, start, end)) for s in series]


def context() -> dict[str, Any]:
    """Template names for the point page's sensor section (a blueprint context processor)."""
    return {"point_sensor_charts": point_sensor_charts, "sensor_days": DAYS}
