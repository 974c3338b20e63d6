"""render.svg.time_series: a lab's results over an analyser's line (issue 18), and the event
marker's label kept inside the chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from render.svg.time_series import time_series

T0 = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
ZONE = ZoneInfo("America/Sao_Paulo")


@dataclass
class R:
    ts: dt.datetime
    value: float
    quality: str = "good"


@dataclass
class Lab:
    at: dt.datetime
    value: float | None
    text: str
    conforming: bool


def test_samples_are_diamonds_apart_from_the_line_red_when_off():
    readings = [R(T0 + dt.timedelta(minutes=m), 1.0) for m in range(0, 120)]
    samples = [Lab(T0 + dt.timedelta(minutes=30), 0.7, "0,7", True),
               Lab(T0 + dt.timedelta(minutes=90), 0.1, "0,1", False),
               Lab(T0 + dt.timedelta(days=3), 0.5, "0,5", True)]  # outside: not drawn
    svg = str(time_series(readings, start=T0, end=T0 + dt.timedelta(hours=2), zone=ZONE,
                          unit="mg/L", samples=samples))
    assert svg.count('class="amostra"') == 2
    assert 'fill="#b3261e"' in svg and "04/12/2026 09:30: 0,7 mg/L (laboratório)" in svg
    assert "2 resultado(s) de laboratório" in svg
    # the y axis holds the lab's low value (not only the line's 1.0)
    assert ">0,00<" in svg or ">0,0<" in svg


def test_marker_label_near_the_right_edge_reads_leftwards():
    end = T0 + dt.timedelta(hours=2)
    svg = str(time_series([R(T0, 1.0), R(end, 1.0)], start=T0, end=end, zone=ZONE,
                          marker=(end - dt.timedelta(minutes=1), "incidente aberto")))
    assert 'text-anchor="end">incidente aberto' in svg
