"""Application factory: the composition root of the web app. Every area is mounted here by
name (no discovery): its permissions, then its views' `register(app, api)`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, g, request, send_from_directory, url_for
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup, escape
from werkzeug.middleware.proxy_fix import ProxyFix

import commercial.permissions
import commercial.views
import core.views
import incidents.api
import incidents.operations_api
import incidents.permissions
import incidents.views
import lims.permissions
import lims.views
import portal_publico.views
import saae.models  # noqa: F401  every model registered before first use
import telemetry.api
import telemetry.permissions
import telemetry.views
from core import public_cache, shell, web
from core.auth import public, register_permissions
from core.config import Settings
from core.db import init_engine
from core.db import session as db_session
from core.errors import ApiErrorSchema, register_error_handlers
from core.org import short_name as org_short_name
from saae import views as home
from saae.templating import register_filters

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
csrf = CSRFProtect()

# Each area's permissions {code: (pt-BR label, default profiles)}; core's are in core.auth.
PERMISSIONS = (
    lims.permissions.PERMISSIONS,
    telemetry.permissions.PERMISSIONS,
    commercial.permissions.PERMISSIONS,
    incidents.permissions.PERMISSIONS,
)

# Each area's views: `register(app, api)` mounts its pages, API, menu entries and home
# cards. In menu order.
AREAS = (
    core.views,
    lims.views,
    telemetry.views,
    commercial.views,
    incidents.views,
    portal_publico.views,
)

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"

API_SPEC = {
    "info": {"description": "API JSON do SAAE (LIMS, telemetria, incidentes, comercial)."},
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
        }
    },
    "security": [{"bearerAuth": []}, {"cookieAuth": []}],
}


class SaaeApi(Api):
    """flask-smorest's Api, documenting and using core.errors' one error format.

    flask-smorest registers its own HTTPException handler ({"code": 404, "status": ...}) over
    the app's; the app keeps one mapping (core.errors) for pages and API alike."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        return None


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    settings = settings or Settings.from_env()
    _configure_logging()
    app = _configured_flask(settings, flask_config)
    _init_extensions(app, settings)
    api = _api(app)
    _register_areas(app, api)
    _document_api(app)
    _template_globals(app, settings)
    return app


def _configure_logging() -> None:
    """Under gunicorn (or any host that configured nothing) the application's log lines
    would reach stderr bare, without time or level: give the root logger a handler."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def _configured_flask(settings: Settings, flask_config: dict[str, Any]) -> Flask:
    """Step 1, configuration: the Flask object and its settings."""
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
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)
    return app


def _init_extensions(app: Flask, settings: Settings) -> None:
    """Step 2, extensions: database, CSRF, login and access control, error pages."""
    # before any blueprint: ids in URLs never exceed the database INTEGER
    app.url_map.converters["int"] = web.DbIntConverter
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    init_engine(settings.database_url)
    app.teardown_appcontext(lambda _exc: db_session.remove())
    csrf.init_app(app)
    web.init_app(app)
    # after access control, before the views: public pages served again for a few seconds
    public_cache.init_app(app, seconds=settings.public_cache_seconds,
                          megabytes=settings.public_cache_megabytes)
    register_error_handlers(app)


def _api(app: Flask) -> SaaeApi:
    api = SaaeApi(app, spec_kwargs=API_SPEC)
    api.register_converter(web.DbIntConverter, web.db_int_param_schema)
    app.extensions["saae_api"] = api
    return api


def _register_areas(app: Flask, api: Api) -> None:
    """Step 3, areas: permissions first (views check them), then the home page and each
    area's pages, API, menu entries and home cards."""
    for permissions in PERMISSIONS:
        register_permissions(permissions)
    app.extensions["saae_nav"] = []
    app.extensions["saae_dashboards"] = []
    app.register_blueprint(home.bp)
    for area in AREAS:
        area.register(app, api)
    # the lab reads the online analysers through telemetry's api, handed over here so lims
    # (and commercial / the portal behind lims.api) import no telemetry module (issue 18)
    app.extensions["saae_online_source"] = telemetry.api
    # the SISAGUA month reads incidents and work orders the same way (issue 19)
    app.extensions["saae_operations_source"] = incidents.operations_api


def _plain_function(view: Any) -> Any:
    """flask-smorest registers bound methods, which cannot carry our access mark."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    wrapped.__name__ = getattr(view, "__name__", "view")
    return wrapped


def _swagger_assets(filename: str):  # type: ignore[no-untyped-def]
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


def _document_api(app: Flask) -> None:
    """Step 4, API docs: the OpenAPI document and Swagger UI are public, assets served locally."""
    app.add_url_rule("/api/v1/docs-assets/<path:filename>", "swagger_assets",
                     public(_swagger_assets))
    for endpoint in ("api-docs.openapi_json", "api-docs.openapi_swagger_ui"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = public(_plain_function(app.view_functions[endpoint]))


def _brand(settings: Settings) -> str:
    """The utility's short name (its Organization row), else SAAE_UTILITY_NAME; once a request."""
    if "saae_brand" not in g:
        try:
            name = org_short_name()
        except Exception:  # noqa: BLE001  an error page must render even without a database
            log.debug("no organization for the page header", exc_info=True)
            db_session.rollback()
            name = None
        g.saae_brand = name or settings.utility_name
    return g.saae_brand


class _Brand:
    """The brand as a template reads it: looked up when a page first prints it (the staff
    pages' header), never for the pages that do not (the public site shows its own header)."""

    __slots__ = ("settings",)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __str__(self) -> str:
        return _brand(self.settings)

    def __html__(self) -> Markup:
        return escape(_brand(self.settings))


def _menu(app: Flask, user: Any) -> list[tuple[str, str]]:
    """(label, url) of the menu entries `user` may see. The menu depends only on the user's
    permissions (a set cached per access version, core.auth) and the script root: built once
    per process for each such pair instead of 26 url_for a page."""
    if user is None:
        return []
    key = (request.script_root, user.permissions())
    menus = app.extensions.setdefault("saae_menus", {})
    menu = menus.get(key)
    if menu is None:
        menu = [(label, url_for(endpoint)) for label, endpoint, perm in shell.nav_entries(app)
                if perm is None or user.can(perm)]
        if len(menus) > 1000:
            menus.clear()
        menus[key] = menu
    return menu


def _template_globals(app: Flask, settings: Settings) -> None:
    """Step 5, templates: the menu the user may see, the user, the brand, and the filters."""

    @app.context_processor
    def _globals() -> dict[str, Any]:
        user = web.current()
        return {"nav_items": _menu(app, user), "current_user_obj": user,
                "settings": settings, "brand": _Brand(settings)}

    register_filters(app)
