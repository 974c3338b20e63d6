"""core.public_cache: the portal's and the open data's public answers served again by the web
process for a few seconds (issue 17), never a personal or staff answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from core.auth import Profile
from tests.conftest import TEST_PASSWORD
from tests.statements import recorded


@pytest.fixture()
def cached_app(app, db):  # type: ignore[no-untyped-def]
    from saae.app import create_app

    settings = dataclasses.replace(app.config["SAAE_SETTINGS"], public_cache_seconds=60)
    return create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)


@pytest.fixture()
def statements() -> Iterator[list[str]]:
    with recorded() as seen:
        yield seen


def test_a_public_page_asked_again_costs_no_query(cached_app, statements):
    c = cached_app.test_client()
    first = c.get("/portal/")
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    statements.clear()
    again = c.get("/portal/")
    assert again.status_code == 200 and again.data == first.data
    assert statements == []
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "Content-Security-Policy" in again.headers  # the security headers are still added
    assert c.get("/portal/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    cache = cached_app.extensions["saae_public_cache"]
    assert cache.hits == 2


def test_open_data_kept_with_its_own_headers(cached_app, statements):
    c = cached_app.test_client()
    url = "/api/v1/dados-abertos/resultados?por_pagina=10"
    first = c.get(url)
    statements.clear()
    again = c.get(url)
    assert again.status_code == 200 and again.json == first.json and statements == []
    assert again.headers["X-Dados-Versao"] == first.headers["X-Dados-Versao"]
    assert "Accept-Encoding" in again.headers["Vary"]
    assert c.get(url + "&pagina=2").status_code == 200  # another URL, another entry
    assert len(statements) > 0


def test_it_expires_with_the_setting_or_the_answers_own_max_age(cached_app, monkeypatch):
    import time

    from core import public_cache

    c = cached_app.test_client()
    c.get("/portal/")
    cache = cached_app.extensions["saae_public_cache"]
    now = time.monotonic()
    monkeypatch.setattr(public_cache.time, "monotonic", lambda: now + 61)
    c.get("/portal/")
    assert cache.hits == 0 and cache.misses == 2


def test_staff_pages_errors_and_redirects_are_never_kept(cached_app, make_user, statements):
    c = cached_app.test_client()
    assert c.get("/portal/nao-existe").status_code == 404
    assert c.get("/portal/nao-existe").status_code == 404
    user = make_user(Profile.MANAGER)
    assert c.post("/entrar", data={"username": user.username,
                                   "password": TEST_PASSWORD}).status_code == 302
    c.get("/")
    statements.clear()
    home = c.get("/")
    assert home.status_code == 200 and statements  # the dashboard is rendered again
    assert cached_app.extensions["saae_public_cache"].hits == 0


def test_a_signed_in_person_gets_the_same_public_answer(cached_app, make_user):
    """The idle clock counts staff work: a public page neither refreshes nor writes the staff
    session, so its answer is the public one, kept and served to everybody alike."""
    staff = cached_app.test_client()
    user = make_user(Profile.ANALYST)
    staff.post("/entrar", data={"username": user.username, "password": TEST_PASSWORD})
    first = staff.get("/portal/")
    assert "public" in first.headers["Cache-Control"] and "Set-Cookie" not in first.headers
    anonymous = cached_app.test_client()
    got = anonymous.get("/portal/")
    assert got.status_code == 200 and got.data == first.data
    assert cached_app.extensions["saae_public_cache"].hits == 1
    assert staff.get("/").status_code == 200  # still signed in for the staff pages


def test_a_page_with_a_message_waiting_is_rendered_for_it(cached_app):
    c = cached_app.test_client()
    c.get("/portal/")
    with c.session_transaction() as s:
        s["_flashes"] = [("sucesso", "Pedido registrado.")]
    got = c.get("/portal/")
    assert "Pedido registrado." in got.get_data(as_text=True)
    assert got.headers["Cache-Control"] == "no-store"
    assert cached_app.extensions["saae_public_cache"].hits == 0


def test_off_by_default_outside_production(app):
    assert "saae_public_cache" not in app.extensions
    from core.config import Settings

    prod = Settings.from_env({}, env="production", secret_key="p" * 40,
                             throttle_store_url="redis://127.0.0.1:6379/15")
    assert prod.public_cache_seconds == 60
