"""Telemetry web pages (blueprint `telemetry`) and JSON API (blueprint `telemetry_api`)."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("telemetry", __name__, url_prefix="/telemetria", template_folder="../templates")
api = ApiBlueprint("telemetry_api", __name__, url_prefix="/api/v1/telemetria", description="Telemetria")
NAV: list[tuple[str, str, str | None]] = []

from telemetry.views import anomalies, anomalies_api, ingest, shelving, tags  # noqa: E402,F401

blueprints = [bp]
api_blueprints = [api]
