"""Item 8: a parameter's unit holding markup must not run in the analyst's results grid. On the
main of 2026-12-04 the grid put the live preview's answer (which quotes the unit) into
innerHTML: the <img onerror> below ran and set the page title. Now the preview is written as
text, and the Content-Security-Policy would block an inline handler anyway."""

from __future__ import annotations

import dataclasses

import pytest

from tests.portal_publico.live import live_server, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "Senha#Forte2026"
EVIL = '<img src=x onerror="document.title=\'XSS\'">mg/L'


def _seed(session):  # type: ignore[no-untyped-def]
    from core.auth import Profile
    from lims.services import results as rs
    from saae.seed import create_user
    from tests.lims.test_results import CL, sample

    refs = [sample(day=d, system_id=995) for d in (2, 3)]
    evil = dataclasses.replace(CL, unit=EVIL)
    rs.register_entry_source(lambda code, sid: [(r, [evil]) for r in refs if sid in (None, r.id)])
    create_user("analista.xss", "Ana Lista", [Profile.ANALYST], PASSWORD)
    session.commit()
    return {"codes": [r.code for r in refs]}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    from lims.services import results as rs

    try:
        with live_server(app, _seed) as srv:
            yield srv
    finally:
        rs.register_entry_source(None)


def test_markup_in_a_unit_stays_text_in_the_results_grid(live):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox"])
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        sign_in(page, live.url, "analista.xss", PASSWORD)
        page.goto(live.url + "/lims/resultados/grade?parametro=cloro_residual_livre")
        title = page.title()
        cell = page.locator("input.celula").first
        cell.fill("0,1")
        cell.press("Enter")
        situacao = page.locator("td.situacao").first
        expect(situacao).to_contain_text("Fora do padrão")
        expect(situacao).to_contain_text("onerror")  # shown as text
        assert page.locator("td.situacao img").count() == 0
        assert page.title() == title != "XSS"
        # the page's own scripts run under the policy: nothing of ours was blocked
        assert not violations, violations
        browser.close()
