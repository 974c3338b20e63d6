"""Item 8 (headers): every kind of response (staff HTML, JSON API, PDF, the public portal,
static files, errors, the API documentation) carries the strict Content-Security-Policy, no
framing, nosniff and a Referrer-Policy. Fails on the main of 2026-12-04: no such headers."""

from __future__ import annotations

import pytest

from core.auth import Profile

PAGES = {
    "staff html": ("/", "text/html"),
    "login page": ("/entrar", "text/html"),
    "json api": ("/api/v1/openapi.json", "application/json"),
    "json api data": ("/api/v1/lims/resultados-publicados", "application/json"),
    "pdf": ("/lims/relatorios/turbidez?formato=pdf", "application/pdf"),
    "portal": ("/portal/", "text/html"),
    "portal json": ("/api/v1/dados-abertos/sistemas", "application/json"),
    "portal pdf": ("/portal/relatorios/anual/2026.pdf", "application/pdf"),
    "static": ("/static/saae.css", "text/css"),
    "area static": ("/lims/static/campo.js", None),
    "portal static": ("/portal/static/portal.css", "text/css"),
    "api docs": ("/api/v1/docs", "text/html"),
    "not found": ("/nao-existe", "text/html"),
}


def _check(resp) -> None:  # type: ignore[no-untyped-def]
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    assert resp.headers.get("Referrer-Policy") in ("same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin")
    assert resp.headers.get("X-Frame-Options") == "DENY"


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_every_page_type_carries_the_security_headers(client, login_as, kind):
    path, mimetype = PAGES[kind]
    login_as(Profile.ADMINISTRATOR, Profile.ANALYST)
    resp = client.get(path)
    assert resp.status_code == (404 if kind == "not found" else 200), (path, resp.status_code)
    if mimetype:
        assert resp.mimetype == mimetype, (path, resp.mimetype)
    _check(resp)


def test_anonymous_and_error_answers_carry_them_too(client, db):
    for path in ("/entrar", "/portal/", "/api/v1/lims/resultados-publicados", "/lims/amostras",
                 "/lims/amostras/999999999999"):
        _check(client.get(path))
