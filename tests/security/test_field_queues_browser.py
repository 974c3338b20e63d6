"""Item 6: the collector's and the technician's offline apps keep separate queues. On the main
of 2026-12-04 both used the localStorage key "saae-campo-fila" (the collector's fallback when
IndexedDB is missing): the technician's page sent the collector's waiting entry to the work
order sync, which refused it ("Acao sem chave do aparelho", an alert on the technician's
screen at every sync, every 15 s) and kept it in the shared key.

Here one person is both collector and technician on one phone without IndexedDB: a collection
waits (the sync endpoint unreachable), the technician's page is opened, and the collection
still reaches the server, once, when the collector's page is back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.portal_publico.live import live_server, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "Senha#Forte2026"
TODAY = dt.datetime.now(ZoneInfo("America/Sao_Paulo")).date()
NO_INDEXEDDB = "Object.defineProperty(window, 'indexedDB', {value: undefined, configurable: true});"


def _seed(session):  # type: ignore[no-untyped-def]
    from core.auth import Profile
    from incidents.models.workorders import Technician
    from lims.services import routes
    from saae.seed import create_user
    from tests.lims.routes_world import make_world

    world = make_world(TODAY)
    user = create_user("campo.duplo", "Duda Campo", [Profile.COLLECTOR, Profile.TECHNICIAN], PASSWORD)
    session.add(Technician(name="Duda Campo", username="campo.duplo", skills=[]))
    session.commit()
    r = routes.build_route(world.day, user.id, user_id=None)
    return {"route_id": r.id, "samples": [st.sample_id for st in r.stops]}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def _entries(live, app, sample_id):  # type: ignore[no-untyped-def]
    from lims.models.routes import FieldEntry

    with live.db(app) as s:
        return s.scalar(select(func.count()).select_from(FieldEntry).where(
            FieldEntry.sample_id == sample_id))


def test_technician_page_leaves_the_collectors_queue_alone(live, app):
    from playwright.sync_api import expect, sync_playwright

    rid, first = live.data["route_id"], live.data["samples"][0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox"])
        ctx = browser.new_context(service_workers="block")
        ctx.add_init_script(NO_INDEXEDDB)
        page = ctx.new_page()
        dialogs: list[str] = []
        sent_to_orders: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: sent_to_orders.append(r.post_data or "")
                if "/incidentes/campo/sync" in r.url else None)
        sign_in(page, live.url, "campo.duplo", PASSWORD)

        # the collector's sync is out of reach: the collection waits on the phone
        page.route("**/api/v1/lims/coleta/registros*", lambda route: route.abort())
        page.goto(f"{live.url}/lims/campo/rota/{rid}")
        stop = page.locator(f"#parada-{first}")
        if stop.get_attribute("open") is None:
            stop.locator("summary").click()
        nf = stop.locator("form[data-kind=nao_coletada]")
        nf.locator("select[name=motivo_tipo]").select_option("Local fechado")
        nf.locator("input[name=motivo]").fill("portao trancado")
        nf.locator("button[type=submit]").click()
        expect(page.locator("#fila")).to_have_text("1 registro(s) aguardando envio")

        # the technician's page syncs its own queue, and only its own
        page.goto(f"{live.url}/incidentes/campo/")
        expect(page.locator("#estado")).to_contain_text("sincronizado", ignore_case=True)
        page.wait_for_timeout(500)
        assert not any("sample_id" in body for body in sent_to_orders), sent_to_orders
        assert dialogs == []

        page.unroute("**/api/v1/lims/coleta/registros*")
        page.goto(f"{live.url}/lims/campo/rota/{rid}")
        expect(page.locator("#fila")).to_have_text("0 registro(s) aguardando envio", timeout=15000)
        browser.close()
    assert _entries(live, app, first) == 1
