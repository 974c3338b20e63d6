"""Flask integration of accounts: login sessions, deny-by-default access checks on every
route (web and API), inactivity timeout, forced password change, and the audit actor."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, logout_user
from werkzeug.routing import IntegerConverter

from core import audit
from core.auth import LOGIN, User, password_expired, user_for_token, view_mark
from core.config import Settings
from core.db import session as db_session
from core.db import utcnow
from core.errors import ValidationError
from core.privacy import mask

log = logging.getLogger(__name__)

login_manager = LoginManager()
login_manager.login_view = "core.login"
login_manager.login_message = "Entre no sistema para acessar esta página."
login_manager.login_message_category = "aviso"

# endpoints that a user with an expired password may still reach
_PASSWORD_EXEMPT = {"core.change_password", "core.logout", "static"}


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db_session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    # logout, a password change, deactivation or "end all sessions" raised the version:
    # a copied cookie of an older session no longer signs anyone in
    if session.get("session_version", 0) != user.session_version:
        return None
    return user


DB_INT_MAX = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column


class DbIntConverter(IntegerConverter):
    """`<int:...>` bounded to the database's INTEGER: /x/99999999999 is a 404, not a 500."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = DB_INT_MAX, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


T = TypeVar("T")


def db_int_param_schema(converter: DbIntConverter) -> dict[str, Any]:
    """OpenAPI schema of a DbIntConverter path parameter."""
    schema: dict[str, Any] = {"type": "integer", "maximum": converter.max}
    schema["minimum"] = converter.min if converter.min is not None else (
        -DB_INT_MAX - 1 if converter.signed else 0)
    return schema


def settings() -> Settings:
    return current_app.config["SAAE_SETTINGS"]


# No inline script or style anywhere (pages load theirs from /static): a string that slips
# through escaping cannot run. frame-ancestors stops clickjacking of every page and PDF.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",  # the field apps' photo previews, Swagger UI's icons
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "same-origin",  # search terms and matriculas never leave in a Referer
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _security_headers(response: Any) -> Any:
    """Every response (pages, JSON, PDFs, static files, errors) carries the same headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if settings().is_production:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _audit_consultation(response: Any) -> Any:
    """A consultation-only user's successful read (page, file or API answer) is audited:
    the health surveillance's accesses are part of the record (issue 19 part 4)."""
    user = g.get("user")
    if (user is not None and request.method == "GET" and response.status_code < 400
            and request.endpoint and not request.endpoint.endswith("static")
            and user.consults_only):
        audit.record_access(request.full_path.rstrip("?"))
    return response


PAGE = 100  # rows per page in lists and API collections
MAX_QUERY_VALUE = 1000  # characters of one query parameter: no search needs more


def _guard_query() -> None:
    """Query values no view should meet: a NUL (PostgreSQL refuses it) or a value longer
    than any search (SQLite's LIKE gives up on very long patterns). 422 in Portuguese."""
    for name, value in request.args.items(multi=True):
        if "\x00" in value or "\x00" in name:
            raise ValidationError(f"O parâmetro '{name[:40]}' contém um caractere inválido.",
                                  fields={name[:40]: ["Caractere inválido (NUL)."]})
        if len(value) > MAX_QUERY_VALUE:
            raise ValidationError(
                f"O parâmetro '{name[:40]}' é longo demais (máximo {MAX_QUERY_VALUE} caracteres).",
                fields={name[:40]: [f"Máximo de {MAX_QUERY_VALUE} caracteres."]})


def form_ids(name: str, *, required: str = "") -> list[int]:
    """The ids a form's checkboxes (or multiple select) `name` sent, skipping anything that is
    not a whole number; with `required`, none at all is a ValidationError with that message."""
    ids = [int(x) for x in request.form.getlist(name) if x.isdigit()]
    if required and not ids:
        raise ValidationError(required, fields={name: ["vazio"]})
    return ids


def query_int(name: str, default: int | None = None, *, minimum: int = 0,
              maximum: int = DB_INT_MAX) -> int | None:
    """An integer query parameter within [minimum, maximum]; absent or empty = default;
    anything else is a 422 with a Portuguese message."""
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise ValidationError(
            f"O parâmetro '{name}' deve ser um número inteiro entre {minimum} e {maximum}.",
            fields={name: [f"Informe um número inteiro entre {minimum} e {maximum}."]})
    return value


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_guard_query)
    app.before_request(_enforce_access)
    app.teardown_request(_reset_actor)
    app.after_request(_security_headers)
    app.after_request(_audit_consultation)
    app.add_template_filter(mask, "mascarar")


def _api_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip())
        if db_session().dirty:
            db_session.commit()  # the token's last use
        return user
    return None


def _enforce_access() -> Any:
    # a request reusing an outer app context (tests, CLI) must not inherit the previous
    # request's user from `g`
    for key in ("_login_user", "user", "api_token_user"):
        g.pop(key, None)
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404 handled by Flask
    view = current_app.view_functions[endpoint]
    if endpoint == "static" or endpoint.endswith(".static"):
        return None
    is_public, permission = view_mark(view, request.method)
    is_api = request.path.startswith("/api/")
    user = _request_user(is_api)
    # the idle clock counts staff work: a public page (the portal, open data) neither expires
    # nor refreshes it, so its answer stays the same public one for everybody (no session
    # cookie written: proxies and core.public_cache may keep it)
    if user is not None and not is_api and not is_public and _idle_expired():
        logout_user()
        session.clear()
        flash("Sua sessão expirou por inatividade. Entre novamente.", "aviso")
        return redirect(url_for("core.login", next=request.full_path))
    g.audit_actor_token = audit.set_actor(
        audit.Actor(user.id, user.username) if user is not None else audit.SYSTEM)
    g.user = user
    if is_public:
        return None
    return _refusal(endpoint, permission, user, is_api)


def _request_user(is_api: bool) -> Any:
    """The API token's user (API paths), else the web session's, else None."""
    if is_api:
        user = _api_user()
        if user is not None:
            g.api_token_user = user
            return user
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _refusal(endpoint: str, permission: str | None, user: Any, is_api: bool) -> Any:
    """None when `user` may see a non-public view, else the refusal (403, 401, login page,
    or the password page when the password must be changed)."""
    if permission is None:
        log.error("view %s has no access mark; refused", endpoint)
        abort(403)
    if user is None:
        if is_api:
            abort(401)
        return login_manager.unauthorized()
    if not is_api and endpoint not in _PASSWORD_EXEMPT and password_expired(user, settings()):
        flash("Sua senha expirou ou precisa ser trocada. Defina uma nova senha.", "aviso")
        return redirect(url_for("core.change_password"))
    if permission != LOGIN and not user.can(permission):
        abort(403)
    return None


def _reset_actor(_exc: BaseException | None = None) -> None:
    # the actor is a context variable of the thread serving the request: put it back, or the
    # next work on this thread (a test, a job of the in-process runner) is recorded as this user
    token = g.pop("audit_actor_token", None)
    if token is not None:
        # ValueError: set in another context (one copied by a streamed response)
        with contextlib.suppress(ValueError):
            audit.reset_actor(token)


# the idle clock is renewed at most this often: a request within it leaves the session cookie
# as it was (no Set-Cookie: signing and sending it again on every request cost each worker CPU
# and made every staff answer uncacheable); the timeout counts it back, never ending early
IDLE_RENEW_SECONDS = 30


def _idle_expired() -> bool:
    now = utcnow().timestamp()
    last = session.get("last_seen")
    if last is None or now - last >= IDLE_RENEW_SECONDS:
        session["last_seen"] = now
    if last is None:
        return False
    return now - last > settings().session_idle_minutes * 60 + IDLE_RENEW_SECONDS


def found(value: T | None) -> T:
    """`value`, or the 404 page when a lookup by id or token found nothing."""
    if value is None:
        abort(404)
    return value


def current() -> User | None:
    """The signed-in user (web session or API token), or None."""
    return g.get("user")


def done(message: str, endpoint: str, **values: Any) -> Any:
    """A form's success: `message` shown on the next page, and the redirect to `endpoint`."""
    flash(message, "sucesso")
    return redirect(url_for(endpoint, **values))
