"""A live server for the browser tests, on the test database.

The data are written once per module on ONE connection inside an outer transaction that is
rolled back at the end (nothing leaks into other tests), on top of the test database or of
the worker's seeded demo database. The werkzeug server runs in a thread
of this process and its sessions join that same connection; a lock makes the server thread
and the test thread take turns on it (one request at a time, the test touches the database
only while holding the lock).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from core.db import get_engine
from core.db import session as db_session

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def sign_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log in through the form and wait until the browser has left /entrar.

    Without the wait, the next `goto` (or a `content()` read) can race the POST's redirect: the
    navigation in flight is cancelled or the page reads empty while it loads.
    """
    page.goto(base_url + "/entrar")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/entrar" not in url)


@dataclass
class Live:
    url: str
    lock: threading.Lock
    data: dict[str, Any]

    @contextmanager
    def db(self, app) -> Iterator[Any]:  # type: ignore[no-untyped-def]
        with self.lock, app.app_context():
            try:
                yield db_session()
            finally:
                db_session.remove()


class _Serialised:
    def __init__(self, app, lock: threading.Lock) -> None:  # type: ignore[no-untyped-def]
        self.app, self.lock = app, lock

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        with self.lock:
            return list(self.app(environ, start_response))


@contextmanager
def live_server(app, seed, engine=None) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    """`seed(session) -> dict` writes the module's data; yields the running server. On the
    test database, or on `engine`'s (the seeded demo: tests/conftest.py `demo_engine`)."""
    from tests.conftest import bound_session

    lock = threading.Lock()
    server = None
    with bound_session(engine or get_engine()):
        try:
            with app.app_context():
                data = seed(db_session())
                db_session.commit()
                db_session.remove()
            server = make_server("127.0.0.1", 0, _Serialised(app, lock), threaded=False)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            yield Live(f"http://127.0.0.1:{server.server_port}", lock, data)
        finally:
            if server is not None:
                server.shutdown()


@contextmanager
def portal_live_server(app, seed) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    """`live_server` with the portal's per-process memo off, so each page shows what the test
    has just written (put back afterwards)."""
    from portal_publico import services

    old, services.MEMO_SECONDS = services.MEMO_SECONDS, 0
    try:
        with live_server(app, seed) as srv:
            yield srv
    finally:
        services.MEMO_SECONDS = old


@contextmanager
def chromium(art: Path | None = None) -> Iterator[Any]:
    """Debian's headless Chromium through Playwright; `art`, the screenshots' folder, is made."""
    from playwright.sync_api import sync_playwright

    if art is not None:
        art.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screen_problems(page, axe, url: str, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    """What a page at `width` px gets wrong: wider than the screen, or an axe-core WCAG 2.1
    A/AA violation (rule and first targets)."""
    problems = []
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > width + 1:
        problems.append(f"{url} {width}px: {wide}px de largura")
    res = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                 "resultTypes": ["violations"]})
    return problems + [f"{url} {width}px axe {v['id']}: {[n['target'] for n in v['nodes']][:2]}"
                       for v in res.response["violations"]]
