"""Item 8: the pages run under their own Content-Security-Policy without a single violation
(every script and style comes from a static file), in headless Chromium: the menu of an
administrator, the public portal and the API documentation."""

from __future__ import annotations

import pytest

from tests.portal_publico.live import live_server, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "Senha#Forte2026"


def _seed(session):  # type: ignore[no-untyped-def]
    from core.auth import Profile
    from saae.seed import create_user

    create_user("admin.csp", "Adm Csp", list(Profile), PASSWORD)
    session.commit()
    return {}


@pytest.fixture(scope="module")
def live(app):  # type: ignore[no-untyped-def]
    with live_server(app, _seed) as srv:
        yield srv


def test_no_page_violates_the_policy(live):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox"])
        ctx = browser.new_context(service_workers="block")
        page = ctx.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text else None)
        sign_in(page, live.url, "admin.csp", PASSWORD)
        links = page.eval_on_selector_all("nav.menu a", "as => as.map(a => a.getAttribute('href'))")
        assert len(links) > 10
        for href in links + ["/portal/", "/portal/mapa", "/portal/minha-agua", "/portal/dados-abertos",
                             "/api/v1/docs"]:
            resp = page.goto(live.url + href)
            assert resp is not None and resp.status == 200, href
            try:
                page.wait_for_load_state("networkidle", timeout=10_000)
            except PlaywrightTimeout:  # a page whose API answer is an error body Chromium
                page.wait_for_timeout(1000)  # keeps open (technician page as admin): settle

        assert page.locator(".swagger-ui").count() > 0  # Swagger UI started from its static script
        assert not violations, "\n".join(violations)
        browser.close()
