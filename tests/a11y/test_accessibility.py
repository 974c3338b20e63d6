"""Issue 22 item 1: axe-core (bundled for Playwright by axe-playwright-python) judges the pages
against the WCAG 2.0/2.1 A and AA rules, in headless Chromium, over the demo data.

Walked: every page of each profile's menu (logged in as that profile's demo user), the
detail pages that hold maps and wide tables, and every page of the public portal
(anonymous), each at 1366 px and 390 px, with every collapsed <details> opened. Each URL is
audited once (the first profile whose menu shows it; the specialised profiles go first, so
the technician's page is seen as a technician). Any violation fails the test, printed with
its rule id, impact, target and page.

Beyond the menus (issue 22, item 3): every staff edit form, one per record type (users,
connections, tariff tables, message rules, assets, tags, each registry of the LIMS with its
list), the tariff and message pages, and the detail pages. Each of these is walked by the
first demo user (in USERS order) allowed to open it, so no page is lost to a 403.
"""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from tests.portal_publico.live import live_server, sign_in
from tests.test_page_walk import _args, _pages

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# one demo user per profile, the specialised ones first (see the module's docstring)
USERS = ["tecnico", "coletor", "operador", "distribuidor", "analista", "supervisor", "gestor",
         "admin"]
# detail pages (one per URL rule) that the menus do not link to but that hold the maps,
# wide tables and forms of the issue, and the edit forms (one per record type)
DETAIL_ENDPOINTS = ("incidents.detail", "incidents.order", "lims.sample_detail", "lims.route_detail",
                    "lims.plan_detail", "commercial.connection", "commercial.batch",
                    "telemetry.anomaly_detail", "incidents.messages", "lims.sample_results",
                    "core.user_edit", "commercial.edit_connection", "commercial.tariff_tables",
                    "commercial.tariff_table", "commercial.message_rules",
                    "commercial.message_rule", "commercial.edit_parameters", "telemetry.asset_edit",
                    "telemetry.tag_edit", "incidents.new", "incidents.templates", "lims.worksheet_detail",
                    "incidents.request_page", "incidents.request_new", "incidents.request_catalogue",
                    "commercial.return_file", "commercial.invoice_payments",
                    "lims.material_form", "lims.template_form", "lims.template_list", "lims.qc_settings")
# the LIMS registries: the list and the form of one record of each (`key` varies)
REGISTRY_ENDPOINTS = ("lims.registry_list", "lims.registry_form")

# Violations known and not yet fixed: {(rule id, page): reason}. Each entry is a to-do.
ALLOWED: dict[tuple[str, str], str] = {}


def _nothing(session):  # type: ignore[no-untyped-def]
    return {}  # the demo is all the walk needs


@pytest.fixture(scope="module")
def live(app, demo_engine):  # type: ignore[no-untyped-def]
    with live_server(app, _nothing, engine=demo_engine) as srv:
        yield srv


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:
        page.wait_for_timeout(500)


def _audit(page, axe, url: str, width: str, found) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("document.querySelectorAll('details:not([open])').forEach(d => { d.open = true; })")
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS},
                                     "resultTypes": ["violations"]})
    for v in results.response["violations"]:
        if (v["id"], url) in ALLOWED:
            continue
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]]
        print(f"AXE {v['id']} {url} {width}px {v['impact']} {targets[:2]}")
        found[(v["id"], url)].append(
            f"{width}px {v['impact']}: {len(targets)} elemento(s), ex. {targets[:3]}")


def _detail_urls(app, live) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """{url: the first demo user allowed to open it} for the pages the menus do not show."""
    from sqlalchemy import select

    from core.auth.marks import LOGIN, view_mark
    from core.auth.models import User
    from lims.services import registry

    with live.db(app) as s:
        values = _args(s)
        records = {k: [r.id for r in registry.records(k)][:1] for k in registry.ENTITIES}
        users = {u.username: u for u in s.scalars(select(User).where(User.username.in_(USERS)))}
        perms = {name: users[name].permissions() for name in USERS}
    wanted: list[tuple[str, str]] = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if rule.endpoint in DETAIL_ENDPOINTS and "GET" in (rule.methods or ()):
                args = {a: values.get(a) for a in rule.arguments}
                if all(v is not None for v in args.values()):
                    wanted.append((url_for(rule.endpoint, **args), rule.endpoint))
        for key, ids in records.items():
            wanted.append((url_for("lims.registry_list", key=key), "lims.registry_list"))
            wanted += [(url_for("lims.registry_form", key=key, record_id=i), "lims.registry_form")
                       for i in ids]
    urls = {}
    for url, endpoint in dict(wanted).items():
        _public, perm = view_mark(app.view_functions[endpoint], "GET")
        who = next((u for u in USERS if perm in (None, LOGIN) or perm in perms[u]), None)
        if who is not None:
            urls[url] = who
    return urls


def test_every_page_passes_axe_wcag21_aa(app, live):  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from saae.seed import DEMO_PASSWORD

    axe, started = Axe(), time.monotonic()
    with live.db(app) as s:
        values = _args(s)
    portal = [u for u in _pages(app, values) if u.startswith(("/portal", "/acompanhar"))
              and not u.endswith((".pdf", ".csv", ".json", ".zip"))]  # pages, not downloads
    details = _detail_urls(app, live)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    audited: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        seen: set[str] = set()
        for username in [*USERS, None]:
            for width, size in WIDTHS.items():
                ctx = browser.new_context(viewport=size, locale="pt-BR", service_workers="block")
                page = ctx.new_page()
                if username:
                    sign_in(page, live.url, username, DEMO_PASSWORD)
                    page.wait_for_load_state("load")
                    links = page.eval_on_selector_all(
                        "nav.menu a", "as => as.map(a => a.getAttribute('href'))")
                    assert links, username
                    urls = [u for u in dict.fromkeys(
                        [*links, *(u for u, who in details.items() if who == username)])
                        if u.startswith("/")]
                else:
                    urls = portal
                if width == "1366":
                    todo = [u for u in urls if u not in seen]
                    mine = set(todo)
                else:
                    todo = [u for u in urls if u in mine]
                for url in todo:
                    resp = page.goto(live.url + url, wait_until="domcontentloaded", timeout=60_000)
                    if resp is None or resp.status != 200 or "html" not in resp.headers.get(
                            "content-type", ""):
                        continue
                    _settle(page)
                    _audit(page, axe, url, width, found)
                    if width == "1366":
                        audited.append(f"{url} ({username or 'visitante'})")
                seen |= mine
                ctx.close()
        browser.close()
    print(f"{len(audited)} páginas auditadas em 2 larguras em {time.monotonic() - started:.0f} s:\n  "
          + "\n  ".join(audited))
    counts: dict[str, int] = defaultdict(int)
    for rule, _url in found:
        counts[rule] += 1
    print("violações por regra (páginas):", dict(counts))
    report = "\n".join(f"{rule} em {url}\n  " + "\n  ".join(lines)
                       for (rule, url), lines in sorted(found.items()))
    assert len(audited) > 30
    assert not found, f"{len(found)} violações WCAG 2.1 A/AA (regra, página):\n{report}"
