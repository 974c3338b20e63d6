"""Incidents web pages (blueprint `incidents`), the public tracking pages
(`incidents_public`) and the JSON API (`incidents_api`, under /api/v1/incidentes)."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidentes", template_folder="../templates")
public_bp = Blueprint("incidents_public", __name__, template_folder="../templates")
api = ApiBlueprint("incidents_api", __name__, url_prefix="/api/v1/incidentes",
                   description="Incidentes, ordens de serviço e avisos")
NAV: list[tuple[str, str, str | None]] = []

from incidents.views import console, external, field, oncall, public, workorders  # noqa: E402,F401
from incidents.views.console import dashboard  # noqa: E402,F401

blueprints = [bp, public_bp]
api_blueprints = [api]
