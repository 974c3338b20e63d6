"""The reception screen in headless Chromium: a USB scanner is a keyboard typing the code and
Enter, fast, one label after the other; every scan is received in order, the field is cleared
and keeps the focus, and a second scan or an unknown code shows a message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.portal_publico.live import live_server, sign_in

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "lims"
PASSWORD = "Senha#Forte2026"


def _seed(session):  # type: ignore[no-untyped-def]
    from core.auth import Profile
    from core.db import utcnow
    from lims.domain.samples import SampleState
    from lims.services import routes
    from lims.services import samples as sample_svc
    from saae.seed import create_user
    from tests.lims.routes_world import make_world

    world = make_world(dt.date(2026, 11, 24))
    collector = create_user("coletor.rec", "Coletor", [Profile.COLLECTOR], PASSWORD)
    create_user("recepcao.lab", "Rita Recepção", [Profile.DISTRIBUTOR], PASSWORD)
    session.commit()
    r = routes.build_route(world.day, collector.id, user_id=None)
    for st in r.stops[:5]:
        sample_svc.transition(st.sample_id, SampleState.COLLECTED, user_id=collector.id,
                              collected_at=utcnow(), collected_by_id=collector.id)
    return {"codes": [st.sample.code for st in r.stops], "route_id": r.id}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def test_scanner_burst(live, app):
    from playwright.sync_api import expect, sync_playwright

    ART.mkdir(parents=True, exist_ok=True)
    codes = live.data["codes"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="pt-BR")
        sign_in(page, live.url, "recepcao.lab", PASSWORD)
        page.goto(live.url + "/lims/recepcao")
        page.fill("#temperatura", "4,5")
        page.focus("#codigo")
        # the scanner: ~5 ms per character, Enter, and the next label right away
        for code in codes[:4] + [codes[0], "NAOEXISTE9", codes[6]]:
            page.keyboard.type(code.lower(), delay=5)
            page.keyboard.press("Enter")
        expect(page.locator("#recebidas tbody tr")).to_have_count(4, timeout=15000)
        results = page.locator("#resultados .resultado")
        # the page keeps the newest 6 answers: wait for the 7th scan's (the last one) to show
        expect(results.filter(has_text="ainda não foi registrada como coletada")).to_have_count(
            1, timeout=15000)
        expect(results).to_have_count(6, timeout=15000)
        texts = results.all_inner_texts()
        assert sum("recebida as" in t for t in texts) >= 3
        assert any("já foi recebida" in t for t in texts)
        assert any("NAOEXISTE9 não encontrado" in t for t in texts)
        assert any("ainda não foi registrada como coletada" in t for t in texts)
        assert page.evaluate("document.activeElement.id") == "codigo"
        assert page.input_value("#codigo") == ""
        first = page.locator("#recebidas tbody tr").last.inner_text()
        assert codes[0] in first and "4,5 °C" in first and "Coliformes totais" in first
        page.screenshot(path=str(ART / "recepcao_desktop.png"), full_page=True)
        page.goto(live.url + "/lims/distribuicao")
        expect(page.locator("input[name=amostra]")).to_have_count(4)
        page.screenshot(path=str(ART / "distribuicao_desktop.png"), full_page=True)
        page.goto(live.url + f"/lims/rotas/{live.data['route_id']}")
        page.screenshot(path=str(ART / "rota_desktop.png"), full_page=True)
        page.goto(live.url + "/lims/rotas?data=2026-11-24")
        page.screenshot(path=str(ART / "rotas_desktop.png"), full_page=True)
        browser.close()

    from lims.models.samples import Sample

    with live.db(app) as s:
        rows = {x.code: x for x in s.scalars(select(Sample).where(Sample.code.in_(codes)))}
        assert [str(rows[c].state) for c in codes[:5]] == ["AGUARDANDO ANALISE"] * 4 + ["COLETADA"]
        assert str(rows[codes[0]].arrival_temperature) == "4.5"
