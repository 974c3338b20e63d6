"""The demo's QC (issue 20): 60 days of reference readings with Westgard violations, the
template, today's worksheets (one held), and the pages over them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.auth import Profile
from lims.models.worksheets import ReferenceMaterial, Worksheet, WorksheetState

# the demo, seeded once per worker (tests/conftest.py): each test rolled back on top
pytestmark = pytest.mark.demo_db


@pytest.fixture()
def demo(db):
    return db


def test_demo_chart_has_sixty_days_and_a_westgard_violation(demo, client, login_as):
    from lims.services import qc

    rm = demo.scalars(select(ReferenceMaterial).where(ReferenceMaterial.code == "MR-CL-100")).one()
    chart = qc.control_chart(rm.id, days=60)
    assert len(chart.points) == 60 and chart.limits is not None and chart.limits.n == 20
    found = {v.rule for v in chart.rejections}
    assert {"1-3s", "2-2s", "4-1s", "10x"} <= found, found
    svg = str(qc.chart_svg(chart))
    assert svg.count('stroke="#b3261e" stroke-width="3"') >= 3  # the violations' red crosses
    assert "+3s (ação)" in svg and "-2s (alerta)" in svg and "regras" in svg
    states = {w.state for w in demo.scalars(select(Worksheet))}
    assert WorksheetState.DONE in states

    login_as(Profile.SUPERVISOR)
    page = client.get("/lims/controle-qualidade")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cartas de controle" in html and "2-2s" in html
    assert html.count("<svg") >= 2
    listing = client.get("/lims/planilhas").get_data(as_text=True)
    assert "Planilhas de trabalho" in listing
    today = dt.date.today()
    rep = client.get(f"/lims/relatorios/controle-qualidade?ano={today.year}&mes={today.month}")
    body = rep.get_data(as_text=True)
    assert rep.status_code == 200 and "MR-CL-100" in body and "10x" in body


def test_demo_worksheet_pages(demo, client, login_as):
    login_as(Profile.SUPERVISOR)
    sheets = demo.scalars(select(Worksheet).order_by(Worksheet.id)).all()
    live = [w for w in sheets if w.state in ("aberta", "retida")]
    print("worksheets:", len(sheets), [(w.code, w.state) for w in live])
    for w in sheets[:1] + live:
        page = client.get(f"/lims/planilhas/{w.id}")
        assert page.status_code == 200, w.code
        pdf = client.get(f"/lims/planilhas/{w.id}/boletim.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    held = [w for w in live if w.state == "retida"]
    if held:
        html = client.get(f"/lims/planilhas/{held[0].id}").get_data(as_text=True)
        assert "Registrar decisão" in html and "retidos" in html
