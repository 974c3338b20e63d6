"""The plan page of a proposed plan in Chromium (issue 19): the proposal section, the sectors'
map with the sector without a point flagged, the sources; a full-page PNG to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.portal_publico.live import live_server, sign_in

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "lims"
PASSWORD = "Senha#Forte2026"


def _seed(session):  # type: ignore[no-untyped-def]
    from core.auth import Profile
    from lims.services import plan_generator as svc
    from lims.services import plans
    from saae.seed import create_user
    from tests.lims.test_plan_generator_db import world

    gestor = create_user("gestor.plano", "Gestora do Plano", [Profile.MANAGER], PASSWORD)
    session.commit()
    system, _s, _p = world(gestor.id)
    plan = svc.create_from_proposal(system.id, 2026, user_id=gestor.id)
    # the Gestor drops one network line, then the population grows
    item = next(i for i in plan.items if i.parameter.code == "coliformes_totais"
                and i.point.kind == "ponta_de_rede")
    plans.remove_item(item.id, user_id=gestor.id)
    system.population_served = 60_000
    session.commit()
    return {"plan_id": plan.id}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def _login(pw, live):  # type: ignore[no-untyped-def]
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                 args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    sign_in(page, live.url, "gestor.plano", PASSWORD)
    return browser, page


def test_plan_page_with_the_proposal(live):
    from playwright.sync_api import expect, sync_playwright

    ART.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser, page = _login(pw, live)
        page.goto(f"{live.url}/lims/planos/{live.data['plan_id']}")
        expect(page.locator("h2", has_text="Cobertura espacial da rede")).to_be_visible()
        expect(page.locator("svg.mapa")).to_be_visible()
        expect(page.get_by_text("Setor(es) sem ponto de coleta de rede: S6 - Vila Nova")).to_be_visible()
        expect(page.get_by_text("A população abastecida mudou de 35.000 para 60.000 hab.")).to_be_visible()
        expect(page.locator("td", has_text="abaixo do mínimo em 12 mês(es)").first).to_be_visible()
        page.screenshot(path=str(ART / "plano_proposta.png"), full_page=True)
        page.locator("svg.mapa").screenshot(path=str(ART / "plano_mapa.png"))
        browser.close()


def test_sisagua_page_png(live):
    from playwright.sync_api import expect, sync_playwright

    from core.db import session
    from lims.models.registry import SupplySystem

    with live.lock:
        sysid = session.query(SupplySystem.id).filter_by(code="SIS-GEN").scalar()
    with sync_playwright() as pw:
        browser, page = _login(pw, live)
        page.goto(f"{live.url}/lims/sisagua?sistema={sysid}&ano=2026&mes=11")
        expect(page.locator("h2", has_text="Cadastro da forma de abastecimento")).to_be_visible()
        expect(page.get_by_text("campo obrigatório vazio").first).to_be_visible()  # no SISAGUA code
        page.screenshot(path=str(ART / "sisagua.png"), full_page=True)
        browser.close()
