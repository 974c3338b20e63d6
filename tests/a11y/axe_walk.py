"""The axe walk, shared by test_accessibility_1366.py and test_accessibility_390.py (one file
per width, so that pytest-xdist's --dist loadfile can run the two on the two workers).

Issue 22 item 1: axe-core (bundled for Playwright by axe-playwright-python) judges the pages
against the WCAG 2.0/2.1 A and AA rules, in headless Chromium, over the demo data.

Walked: every page of each profile's menu (logged in as that profile's demo user), the
detail pages that hold maps and wide tables, and every page of the public portal
(anonymous), each at 1366 px and 390 px, with every collapsed <details> opened. Each URL is
audited once (the first profile whose menu shows it; the specialised profiles go first, so
the technician's page is seen as a technician; the 390 px walk audits the URLs the 1366 px
walk gives each user). Any violation fails the test, printed with its rule id, impact,
target and page.

Beyond the menus (issue 22, item 3): every staff edit form, one per record type (users,
connections, tariff tables, message rules, assets, tags, each registry of the LIMS with its
list), the tariff and message pages, and the detail pages. Each of these is walked by the
first demo user (in USERS order) allowed to open it, so no page is lost to a 403.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.portal_publico.live import chromium, live_server, sign_in
from tests.test_page_walk import _args, _pages

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


def _nothing(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {}  # the demo is all the walk needs


@contextmanager
def live_demo(app, demo_engine) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The live server over the worker's seeded demo (tests/conftest.py `demo_engine`)."""
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


def _urls(page, live, username: str | None, details: dict[str, str],  # type: ignore[no-untyped-def]
          portal: list[str]) -> list[str]:
    """What `username` walks in this browser page (signed in here): the menu's links and the
    detail pages given to them; the portal's pages for the visitor (None)."""
    from saae.seed import DEMO_PASSWORD

    if username is None:
        return portal
    sign_in(page, live.url, username, DEMO_PASSWORD)
    page.wait_for_load_state("load")
    links = page.eval_on_selector_all("nav.menu a", "as => as.map(a => a.getAttribute('href'))")
    assert links, username
    return [u for u in dict.fromkeys([*links, *(u for u, who in details.items() if who == username)])
            if u.startswith("/")]


def _walk(browser, live, width: str, details: dict[str, str],  # type: ignore[no-untyped-def]
          portal: list[str]) -> Iterator[tuple[Any, list[str], str | None]]:
    """(browser page at `width`, URLs to audit, user) for each user in USERS order, then the
    visitor. Each URL goes to the first user whose 1366 px walk shows it (the 390 px walk
    audits, per user, those of the user's 390 px URLs that the 1366 px walk gave them)."""
    seen: set[str] = set()
    for username in [*USERS, None]:
        ctx = browser.new_context(viewport=WIDTHS["1366"], locale="pt-BR", service_workers="block")
        page = ctx.new_page()
        mine = [u for u in _urls(page, live, username, details, portal) if u not in seen]
        seen_here = set(mine)
        seen |= seen_here
        todo = mine
        if width != "1366":
            ctx.close()
            ctx = browser.new_context(viewport=WIDTHS[width], locale="pt-BR",
                                      service_workers="block")
            page = ctx.new_page()
            todo = [u for u in _urls(page, live, username, details, portal) if u in seen_here]
        yield page, todo, username
        ctx.close()


def every_page_passes_axe(app, live, width: str) -> None:  # type: ignore[no-untyped-def]
    """Audit every page (see the module's docstring) at `width` px; fail on any violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe, started = Axe(), time.monotonic()
    with live.db(app) as s:
        values = _args(s)
    portal = [u for u in _pages(app, values) if u.startswith(("/portal", "/acompanhar"))
              and not u.endswith((".pdf", ".csv", ".json", ".zip"))]  # pages, not downloads
    details = _detail_urls(app, live)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    audited: list[str] = []
    with chromium() as browser:
        for page, todo, username in _walk(browser, live, width, details, portal):
            for url in todo:
                resp = page.goto(live.url + url, wait_until="domcontentloaded", timeout=60_000)
                if resp is None or resp.status != 200 or "html" not in resp.headers.get(
                        "content-type", ""):
                    continue
                _settle(page)
                _audit(page, axe, url, width, found)
                audited.append(f"{url} ({username or 'visitante'})")
    print(f"{len(audited)} páginas auditadas em {width} px em {time.monotonic() - started:.0f} s:"
          "\n  " + "\n  ".join(audited))
    counts: dict[str, int] = defaultdict(int)
    for rule, _url in found:
        counts[rule] += 1
    print("violações por regra (páginas):", dict(counts))
    report = "\n".join(f"{rule} em {url}\n  " + "\n  ".join(lines)
                       for (rule, url), lines in sorted(found.items()))
    assert len(audited) > 30
    assert not found, f"{len(found)} violações WCAG 2.1 A/AA (regra, página):\n{report}"
