"""Issue 20 in headless Chromium over the demo: the control chart page (60 days of QC with
Westgard violations) at 1366 px and 390 px, the worksheet pages, axe-core on each, nothing
wider than the phone's screen. Screenshots go to test-artifacts/ux/ to be looked at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.portal_publico.live import chromium, live_server, screen_problems, sign_in

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "ux"


def _held_sheet(session):  # type: ignore[no-untyped-def]
    """A held chlorine worksheet of six samples (the demo holds one only while a sample waits
    for the lab, which depends on the time of day)."""
    from sqlalchemy import select

    from core.auth import User
    from core.db import utcnow
    from lims.models.catalogue import Parameter
    from lims.models.methods import Method
    from lims.models.registry import CollectionPoint
    from lims.models.worksheets import SlotKind, WorksheetTemplate
    from lims.services import results as rs
    from lims.services import worksheets as ws_svc
    from lims.services.refs import param_ref
    from tests.lims.part1_rows import ensure_sample

    m = session.scalars(select(Method).where(Method.code == "FQ-4500CL-G")).one()
    pref = param_ref(session.get(Parameter, m.parameter_id))
    pt = session.scalars(select(CollectionPoint).where(CollectionPoint.kind == "rede")).first()
    analyst = session.scalars(select(User.id).where(User.username == "analista")).one()
    ids = []
    for i in range(6):
        ref = rs.SampleRef(id=990_000 + i, code=f"QC{990_000 + i}", point_id=pt.id,
                           point_code=pt.code, point_name=pt.name, point_kind=pt.kind,
                           system_id=pt.system_id, system_name="",
                           collected_at=utcnow() - dt.timedelta(hours=3))
        ensure_sample(ref, [pref])
        ids.append(ref.id)
    tpl = session.scalars(select(WorksheetTemplate).where(WorksheetTemplate.method_id == m.id)).first()
    sheet = ws_svc.create(m.id, user_id=analyst, sample_ids=ids, template_id=tpl.id,
                          instrument_id=session.scalars(select(ws_svc.Instrument.id).where(
                              ws_svc.Instrument.code == "COL-DPD-01")).one(),
                          reagent_lots="DPD lote A-2291")
    readings = {s.position: {SlotKind.BLANK.value: "< LD", SlotKind.REFERENCE.value: "1,21"}
                .get(s.kind, "0,92") for s in ws_svc.slots(sheet.id)}
    ws_svc.enter_readings(sheet.id, readings, user_id=analyst)
    return sheet.id


def _seed(session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from lims.models.worksheets import Worksheet

    sheets = list(session.scalars(select(Worksheet).order_by(Worksheet.id)))
    held = next((w.id for w in sheets if w.state == "retida"), None) or _held_sheet(session)
    session.commit()
    opened = next((w.id for w in sheets if w.state == "aberta"), None)
    return {"held": held, "open": opened, "any": sheets[0].id}


@pytest.fixture(scope="module")
def live(app, demo_engine):  # type: ignore[no-untyped-def]
    with live_server(app, _seed, engine=demo_engine) as srv:
        yield srv


def test_control_chart_and_worksheets_in_chromium(live):  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    from saae.seed import DEMO_PASSWORD

    pages = {"carta": "/lims/controle-qualidade", "planilhas": "/lims/planilhas"}
    for key in ("held", "open", "any"):
        if live.data.get(key):
            pages[f"planilha-{key}"] = f"/lims/planilhas/{live.data[key]}"
    axe, problems = Axe(), []
    with chromium(ART) as browser:
        for width, height in ((1366, 900), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            sign_in(page, live.url, "supervisor", DEMO_PASSWORD)
            for name, url in pages.items():
                page.goto(live.url + url)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ART / f"qc-{name}-{width}.png"), full_page=True)
                problems += screen_problems(page, axe, url, width)
            page.goto(live.url + "/lims/controle-qualidade")
            svg = page.locator(".largo svg" if width > 640 else ".estreito svg").first
            assert svg.is_visible()
            assert "2-2s" in page.content() and "10x" in page.content()
            page.close()
    assert not problems, "\n".join(problems)
