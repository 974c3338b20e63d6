"""Deny by default: every route of the URL map is marked, anonymous visitors are sent to the
login page (web) or answered 401 JSON (API), and a signed-in user without the permission
gets 403. Generic over app.url_map, so it covers the routes every area adds."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from core import auth, web
from core.auth import LOGIN, ProfileRecord, User, all_permissions, view_mark
from core.db import utcnow


def _sample(conv: object) -> object:
    from werkzeug.routing import (
        AnyConverter,
        FloatConverter,
        IntegerConverter,
        PathConverter,
        UUIDConverter,
    )

    if isinstance(conv, AnyConverter):
        return sorted(conv.items)[0]  # type: ignore[attr-defined]
    if isinstance(conv, IntegerConverter):
        return 1
    if isinstance(conv, FloatConverter):
        return 1.0
    if isinstance(conv, UUIDConverter):
        return "00000000-0000-0000-0000-000000000000"
    if isinstance(conv, PathConverter):
        return "x/y"
    return "x"


def _url(rule: Rule) -> str:
    """A concrete URL for `rule`, with sample values for its arguments."""
    values = {name: _sample(conv) for name, conv in rule._converters.items()}  # type: ignore[attr-defined]
    built = rule.build(values)
    assert built is not None, rule
    return built[1]


def _probe(rule: Rule, method: str, client: Any, api_client: Any, token: str) -> tuple[Any, bool]:
    """One request of a refusal check and whether it was refused: an API path with the user's
    bearer token and an empty JSON body (refused: 403 `acesso_negado`), a page through the
    signed-in `client` (refused: 403)."""
    url = _url(rule)
    if rule.rule.startswith("/api/"):
        resp = api_client.open(url, method=method, json={},
                               headers={"Authorization": f"Bearer {token}"})
        return resp, resp.status_code == 403 and resp.get_json()["error"]["code"] == "acesso_negado"
    resp = client.open(url, method=method)
    return resp, resp.status_code == 403


def _routes(app: Flask) -> list[tuple[Rule, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted((rule.methods or set()) - {"OPTIONS", "HEAD"}):
            out.append((rule, method))
    return out


def _protected(app: Flask) -> list[tuple[Rule, str, str]]:
    out = []
    for rule, method in _routes(app):
        is_public, perm = view_mark(app.view_functions[rule.endpoint], method)
        if not is_public:
            out.append((rule, method, perm))
    return out


def test_every_route_is_marked(app):
    unmarked = []
    for rule, method in _routes(app):
        is_public, perm = view_mark(app.view_functions[rule.endpoint], method)
        if not is_public and not perm:
            unmarked.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not unmarked, "views without @require/@login_required_only/@public: " + ", ".join(
        unmarked)


def test_every_required_permission_is_registered(app):
    known = set(all_permissions())
    typos = sorted({f"{perm} ({rule.endpoint})" for rule, _m, perm in _protected(app)
                    if perm != LOGIN and perm not in known})
    assert not typos, f"permissions required but never registered: {typos}"


def test_public_routes_are_the_expected_few(app):
    public = sorted({rule.rule for rule, method in _routes(app)
                     if view_mark(app.view_functions[rule.endpoint], method)[0]})
    core_public = {"/entrar", "/sair", "/saude", "/api/v1/openapi.json", "/api/v1/docs",
                   "/api/v1/docs-assets/<path:filename>"}
    assert core_public <= set(public)
    # nothing under the staff prefixes is public
    staff = ("/admin", "/auditoria", "/lims", "/telemetria", "/comercial", "/incidentes")
    leaked = [p for p in public if p.startswith(staff)]
    assert not leaked, leaked


def test_anonymous_web_requests_go_to_login(app, client):
    problems = []
    for rule, method, _perm in _protected(app):
        if rule.rule.startswith("/api/"):
            continue
        url = _url(rule)
        resp = client.open(url, method=method)
        location = resp.headers.get("Location", "")
        if resp.status_code != 302 or "/entrar" not in location:
            problems.append(f"{method} {url}: {resp.status_code} {location}")
    assert not problems, problems


def test_anonymous_api_requests_get_401_json(app, client):
    problems = []
    for rule, method, _perm in _protected(app):
        if not rule.rule.startswith("/api/"):
            continue
        url = _url(rule)
        resp = client.open(url, method=method, json={})
        body = resp.get_json(silent=True) or {}
        if resp.status_code != 401 or body.get("error", {}).get("code") != "nao_autenticado":
            problems.append(f"{method} {url}: {resp.status_code} {body}")
    assert not problems, problems


@pytest.fixture()
def powerless(db):
    """A signed-in user whose only profile holds no permission at all."""
    prof = ProfileRecord(code="sem_acesso", name="Sem acesso", builtin=False, read_only=False,
                         granted=[], revoked=[])
    from core.auth import hash_password
    from tests.conftest import TEST_PASSWORD

    user = User(username="semacesso", name="Sem Acesso", password_hash=hash_password(TEST_PASSWORD),
                password_changed_at=utcnow(), profiles=[prof])
    db.add(user)
    db.commit()
    assert user.permissions() == set()
    return user


def test_a_user_without_permissions_is_refused_everywhere(app, client, powerless, db):
    from core.auth import issue_token
    from tests.conftest import TEST_PASSWORD

    resp = client.post("/entrar", data={"username": powerless.username, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    token = issue_token(powerless, "sem acesso")
    db.commit()
    api_client = app.test_client()
    problems = []
    for rule, method, perm in _protected(app):
        if perm == LOGIN:
            continue
        resp, refused = _probe(rule, method, client, api_client, token)
        if not refused:
            problems.append(f"{method} {_url(rule)}: {resp.status_code}")
    assert not problems, problems


def test_an_unmarked_view_is_refused(settings):
    """The check is in core.web, not in each view: forgetting the mark denies access."""
    from saae.app import SaaeApi  # noqa: F401  (the real app is built the same way)

    tiny = Flask("tiny")
    tiny.config.update(SECRET_KEY="x" * 32, SAAE_SETTINGS=settings, TESTING=True)
    web.init_app(tiny)

    @tiny.route("/esquecida")
    def forgotten():  # type: ignore[no-untyped-def]
        return "dados secretos"

    @tiny.route("/aberta")
    @auth.public
    def open_view():  # type: ignore[no-untyped-def]
        return "ok"

    with tiny.test_client() as c:
        assert c.get("/aberta").status_code == 200
        resp = c.get("/esquecida")
        assert resp.status_code == 403
        assert "dados secretos" not in resp.get_data(as_text=True)


def test_public_pages_answer_anonymous_visitors_without_a_server_error(app, client):
    problems = []
    for rule, method in _routes(app):
        if method != "GET" or not view_mark(app.view_functions[rule.endpoint], method)[0]:
            continue
        if rule.endpoint == "core.logout":
            continue
        url = _url(rule)
        resp = client.get(url)
        if resp.status_code >= 500:
            problems.append(f"GET {url}: {resp.status_code}")
    assert not problems, problems
