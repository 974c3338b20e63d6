"""Issue 18 section 3 pages in headless Chromium (390 px and desktop): the point's staff page
(link form, analyser and lab on one chart), the portal's point page (published results on the
analyser's line) and the incident page (extra samples, chart around the event, close with the
evidence). Screenshots go to test-artifacts/quality-loop/ (looked at; see the branch notes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.portal_publico.live import live_server, sign_in
from tests.test_ux_browser import WIDTHS, browser  # noqa: F401  the shared Chromium fixture

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "quality-loop"
PASSWORD = "Senha-forte-2026!"


def _seed(session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from core.auth import Profile
    from core.outbox import drain
    from incidents import demo, seed
    from incidents.models import Incident
    from lims.models.registry import CollectionPoint
    from lims.services import validation
    from saae.seed import create_user
    from saae.wiring import SUBSCRIPTIONS
    from tests.incidents import test_quality_loop_e2e as e2e

    seed.seed_reference()
    demo.seed_technicians()
    people = tuple(create_user(f"ql_{p.value}", p.value.title(), [p], PASSWORD)
                   for p in (Profile.COLLECTOR, Profile.ANALYST, Profile.SUPERVISOR))
    create_user("ql_gestor", "Gestora", [Profile.MANAGER, Profile.OPERATOR], PASSWORD)
    session.commit()
    pts = e2e._world(session)
    e2e._chlorine_loss(session)
    drain(SUBSCRIPTIONS)
    e2e._analyse(session, people, {"P-RES03": {"cloro_residual_livre": "0,9"}})
    drain(SUBSCRIPTIONS)
    validation.publish_results(supervisor_id=people[2].id, point_id=pts[0].id)
    session.commit()
    inc = session.scalars(select(Incident).where(Incident.tag == e2e.TAG)).one()
    point = session.scalars(select(CollectionPoint).where(CollectionPoint.code == "P-RES03")).one()
    return {"incident": inc.id, "point": point.id}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def _page(chromium, live, width: str, username: str | None = None):  # type: ignore[no-untyped-def]
    ctx = chromium.new_context(viewport=WIDTHS[width], locale="pt-BR")
    page = ctx.new_page()
    if username:
        sign_in(page, live.url, username, PASSWORD)
    return page


def test_point_and_incident_pages(live, browser):  # noqa: F811
    ART.mkdir(parents=True, exist_ok=True)
    point, inc = live.data["point"], live.data["incident"]
    for width in WIDTHS:
        page = _page(browser, live, width, "ql_gestor")
        page.goto(f"{live.url}/lims/cadastros/pontos/{point}")
        assert page.locator("#t-sensores").is_visible()
        assert page.locator("#sensor-cloro").input_value() == "RES-03.CLORO"
        assert page.locator("#t-sensores ~ figure svg path.amostra").count() >= 1
        page.locator("#t-sensores").scroll_into_view_if_needed()
        page.screenshot(path=str(ART / f"ponto-equipe-{width}.png"), full_page=True)
        page.locator("section:has(#t-sensores)").screenshot(path=str(ART / f"ponto-equipe-secao-{width}.png"))
        page.goto(f"{live.url}/incidentes/{inc}")
        assert page.locator("#t-laboratorio").is_visible()
        assert page.get_by_text("Encerrar com as evidências").is_visible()
        page.screenshot(path=str(ART / f"incidente-{width}.png"), full_page=True)
        page.locator("section:has(#t-laboratorio)").screenshot(path=str(ART / f"incidente-secao-{width}.png"))
        page.context.close()
        public = _page(browser, live, width)
        public.goto(f"{live.url}/portal/pontos/{point}")
        assert public.locator("#t-sensores").is_visible()
        assert public.locator("svg path.amostra").count() >= 1
        public.screenshot(path=str(ART / f"ponto-portal-{width}.png"), full_page=True)
        public.locator("section:has(#t-sensores)").screenshot(path=str(ART / f"ponto-portal-secao-{width}.png"))
        public.context.close()
    # the operator closes with the evidence from the page
    page = _page(browser, live, "desktop", "ql_gestor")
    page.goto(f"{live.url}/incidentes/{inc}")
    page.get_by_text("Encerrar com as evidências").click()
    # expect() waits for the redirect after the POST; content() could read the page mid-load
    expect(page.get_by_text("Incidente encerrado")).to_be_visible()
    page.screenshot(path=str(ART / "incidente-encerrado-desktop.png"), full_page=True)
    page.context.close()
    assert dt.date.today()  # the pages read local times through core.fmt
