"""Application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, g, send_from_directory
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect

from core import web
from core.auth import PROFILE_LABELS, public, register_permissions
from core.config import Settings
from core.db import init_engine
from core.db import session as db_session
from core.errors import ApiErrorSchema, register_error_handlers
from core.org import current_organization
from saae.areas import each

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
csrf = CSRFProtect()


class SaaeApi(Api):
    """flask-smorest's Api, documenting and using core.errors' one error format.

    flask-smorest registers its own HTTPException handler ({"code": 404, "status": ...}) over
    the app's; the app keeps one mapping (core.errors) for pages and API alike."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        return None


def _plain_function(view: Any) -> Any:
    """flask-smorest registers bound methods, which cannot carry our access mark."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    wrapped.__name__ = getattr(view, "__name__", "view")
    return wrapped


def _brand(settings: Settings) -> str:
    """The utility's short name (its Organization row), else SAAE_UTILITY_NAME; once a request."""
    if "saae_brand" not in g:
        try:
            org = current_organization()
        except Exception:  # noqa: BLE001  an error page must render even without a database
            log.debug("no organization for the page header", exc_info=True)
            db_session.rollback()
            org = None
        g.saae_brand = org.short_name if org is not None and org.short_name else (
            settings.utility_name)
    return g.saae_brand


LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def _configure_logging() -> None:
    """Under gunicorn (or any host that configured nothing) the application's log lines
    would reach stderr bare, without time or level: give the root logger a handler."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    settings = settings or Settings.from_env()
    _configure_logging()
    app = Flask("saae", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SAAE_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        API_TITLE="SAAE - API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs-assets/",
        JSON_SORT_KEYS=False,
    )
    app.config.update(flask_config)
    if settings.proxy_hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,  # type: ignore[method-assign]
                                x_proto=settings.proxy_hops, x_host=settings.proxy_hops)
    # before any blueprint: ids in URLs never exceed the database INTEGER
    app.url_map.converters["int"] = web.DbIntConverter
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    init_engine(settings.database_url)
    import saae.models  # noqa: F401  every model registered before first use

    app.teardown_appcontext(lambda _exc: db_session.remove())
    csrf.init_app(app)
    web.init_app(app)
    register_error_handlers(app)

    for _area, mod in each("permissions"):
        register_permissions(mod.PERMISSIONS)

    api = SaaeApi(
        app,
        spec_kwargs={
            "info": {"description": "API JSON do SAAE (LIMS, telemetria, incidentes, comercial)."},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        },
    )
    api.register_converter(web.DbIntConverter, web.db_int_param_schema)
    app.extensions["saae_api"] = api
    from saae import views as shell

    app.register_blueprint(shell.bp)
    nav: list[tuple[str, str, str]] = []
    dashboards = []
    for _area, mod in each("views"):
        for bp in getattr(mod, "blueprints", []):
            app.register_blueprint(bp)
        for abp in getattr(mod, "api_blueprints", []):
            csrf.exempt(abp)  # API: bearer token or same-site session, JSON bodies
            api.register_blueprint(abp)
        nav.extend(getattr(mod, "NAV", []))
        if hasattr(mod, "dashboard"):
            dashboards.append(mod.dashboard)
    app.extensions["saae_nav"] = nav
    app.extensions["saae_dashboards"] = dashboards

    @app.route("/api/v1/docs-assets/<path:filename>")
    @public
    def swagger_assets(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    for endpoint in ("api-docs.openapi_json", "api-docs.openapi_swagger_ui"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = public(_plain_function(app.view_functions[endpoint]))

    @app.context_processor
    def _globals() -> dict[str, Any]:
        user = web.current()
        items = [
            (label, endpoint)
            for label, endpoint, perm in app.extensions["saae_nav"]
            if user is not None and (perm is None or user.can(perm))
        ]
        return {"nav_items": items, "current_user_obj": user, "PROFILE_LABELS": PROFILE_LABELS,
                "settings": settings, "brand": _brand(settings)}

    from saae.templating import register_filters

    register_filters(app)
    return app
