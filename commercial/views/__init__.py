"""Commercial web pages (blueprint `commercial`) and JSON API (`commercial_api`)."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("commercial", __name__, url_prefix="/comercial", template_folder="../templates")
api = ApiBlueprint("commercial_api", __name__, url_prefix="/api/v1/comercial",
                   description="Comercial: ligações, clientes e faturas")
NAV: list[tuple[str, str, str | None]] = [
    ("Comercial", "commercial.painel", "commercial.registry.view"),
]

from commercial.views import api_views, billing, registry, setup  # noqa: E402,F401

blueprints = [bp]
api_blueprints = [api]


def dashboard(user):  # type: ignore[no-untyped-def]
    from commercial.views.registry import dashboard_widgets

    return dashboard_widgets(user)
