"""render.svg: the one line chart (categories for the portal, time for the consoles), the one
bar chart and the one map. Pure: markup in, no database, no app."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from render.svg.bar_chart import Bar, bar_chart
from render.svg.line_chart import PORTAL, Chart, Limit, Point, category_axis, line_chart, y_scale
from render.svg.map import Label, Mark, map_svg
from render.svg.time_series import TimeBand, downsample, time_series

T0 = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
ZONE = ZoneInfo("America/Sao_Paulo")  # a test's fixed zone: UTC-3, no daylight saving


def rs(values, start=T0, step=MIN, bad=()):
    return [SimpleNamespace(ts=start + i * step, value=float(v),
                            quality="bad" if i in bad else "good")
            for i, v in enumerate(values) if v is not None]


# --------------------------------------------------------------------------- line chart


def test_category_chart_marks_bad_values_by_shape_and_has_text():
    chart = Chart(title="Turbidez <uT>", description="média mensal", look=PORTAL,
                  x_range=(-0.5, 2.5), x_ticks=category_axis(["jan|2026", "fev", "mar"]),
                  y=y_scale([0.5, 6.0, 5.0], steps=4, from_zero=True),
                  limits=[Limit(5.0, "limite máximo: 5 uT")], empty="sem dados publicados")
    svg = str(line_chart(chart, [Point(0, 0.5, tip="jan: 0,5"), Point(1, None),
                                 Point(2, 6.0, "off", "mar: 6 (fora do padrão)")]))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<desc" in svg
    assert "Turbidez &lt;uT&gt;" in svg  # escaped
    assert "limite máximo: 5 uT" in svg and "stroke-dasharray" in svg
    assert "fora do padrão" in svg and 'stroke="#b3261e" stroke-width="3"' in svg  # a red cross
    assert ">2026<" in svg and 'class="eixo"' in svg and "style=" not in svg
    assert ">1,75<" in svg or ">2<" in svg  # pt-BR ticks
    empty = Chart(title="Cor", description="", look=PORTAL, x_range=(-0.5, 0.5),
                  x_ticks=category_axis(["jan"]), y=y_scale([], steps=4, from_zero=True),
                  empty="sem dados publicados")
    assert "sem dados publicados" in str(line_chart(empty, [Point(0, None)]))


def test_time_series_line_band_axes():
    vals = [10 + (i % 60) / 10 for i in range(24 * 60)]
    band = TimeBand(T0 + dt.timedelta(hours=5), T0 + dt.timedelta(hours=6), "Limite <x>",
                    "#c62828", "/telemetria/anomalias/1")
    svg = str(time_series(rs(vals), start=T0, end=T0 + dt.timedelta(hours=24), bands=[band],
                          unit="mca", title="SET-01.PRESSAO", limits=[(15.0, "limite 15")],
                          zone=ZONE))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 1
    assert 'href="/telemetria/anomalias/1"' in svg and "Limite &lt;x&gt;" in svg  # escaped
    assert "mca" in svg and "limite 15" in svg and "horário local (GMT−3)" in svg
    # band at 5h..6h of a 24 h chart: x = 58 + 5/24 * 888
    assert re.search(r'<rect x="243\.0" y="28" width="37\.0"', svg)
    # local-time hour ticks (UTC-3: 00:00 UTC is 21h local), and the window in the description
    assert ">21h<" in svg and ">02/03<" in svg and "01/03/2026 21:00 a 02/03/2026 21:00" in svg


def test_time_series_breaks_line_at_gaps_and_marks_bad_quality():
    vals = [5.0] * 60 + [None] * 30 + [6.0] * 60
    svg = str(time_series(rs(vals, bad={10, 11}), start=T0, end=T0 + 150 * MIN,
                          expected_period_s=60, zone=ZONE))
    assert svg.count("<polyline") == 2  # broken at the 30-minute hole
    assert svg.count("qualidade ruim") == 2


def test_time_series_draws_a_line_for_readings_sparser_than_the_tag_period():
    """A tag configured for 60 s whose history came every 5 min (a slower SCADA poll, the
    demo's back-filled day) is still one line, not 288 loose dots; a real hole still breaks."""
    vals = [5.0 + (i % 7) / 10 for i in range(100)] + [None] * 10 + [6.0] * 50
    svg = str(time_series(rs(vals, step=5 * MIN), start=T0, end=T0 + 160 * 5 * MIN,
                          expected_period_s=60, zone=ZONE))
    assert svg.count("<polyline") == 2 and "<circle" not in svg


def test_time_series_empty_flat_and_marker():
    svg = str(time_series([], start=T0, end=T0 + dt.timedelta(hours=24), zone=ZONE))
    assert "Sem leituras no período" in svg and "<polyline" not in svg
    svg = str(time_series(rs([7.0] * 10), start=T0, end=T0 + 10 * MIN, zone=ZONE))  # flat
    assert "<polyline" in svg
    svg = str(time_series(rs([0.2 + (i % 7) * 0.02 for i in range(60)]), start=T0,
                          end=T0 + 60 * MIN, zone=ZONE, marker=(T0 + 30 * MIN, "início"),
                          caption="ETA.TURB", width=640, height=240))
    ticks = re.findall(r'text-anchor="end" font-size="12" fill="#555">([0-9,]+)</text>', svg)
    assert len(ticks) >= 4 and len(set(ticks)) == len(ticks), ticks  # never two alike
    assert ">início<" in svg and ">ETA.TURB<" in svg


@pytest.mark.parametrize("hours, labels", [
    (1, [">21:10<", ">21:20<"]),  # short windows: minute ticks
    (24, [">21h<", ">02/03<"]),
    (24 * 7, [">02/03<", ">04/03<"]),
])
def test_time_ticks(hours, labels):
    svg = str(time_series([], start=T0, end=T0 + dt.timedelta(hours=hours), zone=ZONE))
    for lab in labels:
        assert lab in svg


def test_downsample_keeps_spikes():
    pts = [(float(i), 1.0) for i in range(10_000)]
    pts[5_000] = (5_000.0, 99.0)
    out = downsample(pts, 500)
    assert len(out) <= 1000 and max(v for _, v in out) == 99.0
    assert downsample(pts[:10], 500) == pts[:10]


# --------------------------------------------------------------------------- bar chart


def test_bar_chart_horizontal_and_vertical():
    svg = str(bar_chart("Não conformidades <por ponto>", [Bar("Ponto A", 5), Bar("x" * 50, 1234)]))
    assert 'role="img"' in svg and "&lt;por ponto&gt;" in svg and ">1.234<" in svg
    assert "x" * 35 + "…" in svg and "style=" not in svg
    svg = str(bar_chart("Consumo", [Bar("jan/26", 10, "#8fb3d6", "jan/26: 10 m3"),
                                    Bar("fev/26", 20, "#0b4f8a")], vertical=True, width=360,
                        caption=False, css_class="grafico-consumo", fixed_width=True))
    assert 'class="grafico-consumo"' in svg and 'width="360"' in svg
    assert "<title>jan/26: 10 m3</title>" in svg and ">fev/26<" in svg
    assert str(bar_chart("vazio", [])) == ""


# --------------------------------------------------------------------------- map


def test_map_links_form_a_group_with_names():
    marks = [Mark(-22.9, -47.06, "Sistema Sede", size=11, glyph="S", name="Sistema Sede",
                  href="/portal/sistemas/1", css_class="m-sistema"),
             Mark(-22.905, -47.07, "Rede <Centro>", shape="triangle", href="/portal/pontos/2"),
             Mark(-22.91, -47.05, "Seu endereço", shape="target", dot="#b3261e", name="você")]
    svg = str(map_svg("Mapa", marks, [Label(-22.9, -47.06, "Centro")]))
    assert 'role="group"' in svg and 'href="/portal/pontos/2"' in svg
    assert 'aria-label="Rede &lt;Centro&gt;"' in svg and "você" in svg and ">Centro<" in svg
    assert re.search(r">\d+(,\d+)? k?m<", svg)  # the scale bar
    assert "style=" not in svg
    image = str(map_svg("Ativos", [Mark(-22.9, -47.06, "ETA", shape="square")]))
    assert 'role="img"' in image and "<a " not in image
    assert "sem coordenadas" in str(map_svg("vazio", []))


def test_zone_label_speaks_of_the_local_offset_not_the_zone_id():
    import datetime as dt

    from core import fmt

    july = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    assert fmt.zone_label("America/Sao_Paulo", july) == "horário local (GMT−3)"
    assert fmt.zone_label("America/Manaus", july) == "horário local (GMT−4)"
    assert fmt.zone_label("Asia/Kolkata", july) == "horário local (GMT+5:30)"
    assert fmt.zone_label("UTC", july) == "horário local (GMT)"
