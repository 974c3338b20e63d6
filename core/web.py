"""Flask integration of accounts: login sessions, deny-by-default access checks on every
route (web and API), inactivity timeout, forced password change, and the audit actor."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, logout_user

from core import audit
from core.auth import LOGIN, User, password_expired, user_for_token, view_mark
from core.config import Settings
from core.db import session as db_session
from core.db import utcnow

log = logging.getLogger(__name__)

login_manager = LoginManager()
login_manager.login_view = "core.login"
login_manager.login_message = "Entre no sistema para acessar esta pagina."
login_manager.login_message_category = "aviso"

# endpoints that a user with an expired password may still reach
_PASSWORD_EXEMPT = {"core.change_password", "core.logout", "static"}


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db_session.get(User, int(user_id))
    return user if user and user.active else None


def settings() -> Settings:
    return current_app.config["SAAE_SETTINGS"]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_enforce_access)


def _api_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:].strip())
    return None


def _enforce_access() -> Any:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404 handled by Flask
    view = current_app.view_functions[endpoint]
    if endpoint == "static" or endpoint.endswith(".static"):
        return None
    is_public, permission = view_mark(view, request.method)
    is_api = request.path.startswith("/api/")
    user: Any = None
    if is_api:
        user = _api_user()
        if user is not None:
            g.api_token_user = user
    if user is None and current_user.is_authenticated:
        user = current_user._get_current_object()
        if not is_api and _idle_expired():
            logout_user()
            session.clear()
            flash("Sua sessao expirou por inatividade. Entre novamente.", "aviso")
            return redirect(url_for("core.login", next=request.full_path))
    if user is not None:
        audit.set_actor(audit.Actor(user.id, user.username))
        g.user = user
    else:
        audit.set_actor(audit.SYSTEM)
        g.user = None
    if is_public:
        return None
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


def _idle_expired() -> bool:
    now = utcnow()
    last = session.get("last_seen")
    session["last_seen"] = now.timestamp()
    if last is None:
        return False
    idle = dt.timedelta(minutes=settings().session_idle_minutes)
    return now - dt.datetime.fromtimestamp(last, dt.UTC) > idle


def current() -> User | None:
    """The signed-in user (web session or API token), or None."""
    return g.get("user")
