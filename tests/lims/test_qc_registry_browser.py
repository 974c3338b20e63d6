"""The QC registry pages in headless Chromium over the demo, at 1366 px and 390 px: axe-core
on each, nothing wider than the phone's screen, and the pt-BR messages beside the template's
fields after a bad submit. Screenshots go to test-artifacts/ux/ to be looked at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.portal_publico.live import chromium, live_server, screen_problems, sign_in

pytestmark = pytest.mark.browser
ART = Path(__file__).resolve().parents[2] / "test-artifacts" / "ux"


def _seed(session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from lims.models.worksheets import ReferenceMaterial, WorksheetTemplate

    return {"rm": session.scalars(select(ReferenceMaterial.id)).first(),
            "tpl": session.scalars(select(WorksheetTemplate.id)).first()}


@pytest.fixture(scope="module")
def live(app, demo_engine):  # type: ignore[no-untyped-def]
    with live_server(app, _seed, engine=demo_engine) as srv:
        yield srv


def test_qc_registry_pages_in_chromium(live):  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    from saae.seed import DEMO_PASSWORD

    pages = {"materiais": "/lims/materiais-referencia", "criterios": "/lims/controle-qualidade/metodos",
             "modelos": "/lims/modelos-planilha",
             "material": f"/lims/materiais-referencia/{live.data['rm']}",
             "modelo": f"/lims/modelos-planilha/{live.data['tpl']}"}
    axe, problems = Axe(), []
    with chromium(ART) as browser:
        for width, height in ((1366, 900), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            sign_in(page, live.url, "supervisor", DEMO_PASSWORD)
            for name, url in pages.items():
                page.goto(live.url + url)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ART / f"cq-{name}-{width}.png"), full_page=True)
                problems += screen_problems(page, axe, url, width)
            page.goto(live.url + pages["modelo"])
            page.fill("input[name=posicao_1]", "99")
            page.fill("input[name=de_2]", "40")
            page.click("button[type=submit].primario")
            page.wait_for_load_state("networkidle")
            assert "A posição deve estar entre 1 e" in page.content()
            assert "A duplicata repete uma amostra existente" in page.content()
            page.screenshot(path=str(ART / f"cq-modelo-erros-{width}.png"), full_page=True)
            problems += screen_problems(page, axe, pages["modelo"] + " (erros)", width)
            page.close()
    assert not problems, "\n".join(problems)
