"""Telemetry web pages (blueprint `telemetry`) and JSON API (blueprint `telemetry_api`);
`register(app, api)` mounts them with the menu entries (called by saae.app)."""

from core.shell import Area
from telemetry.views import anomalies, anomalies_api, ingest, shelving, suspect, tags  # noqa: F401  add routes
from telemetry.views.blueprints import api, bp

NAV = [
    ("Anomalias", "telemetry.anomalies", "telemetry.anomalies.view"),
    ("Coletor SCADA", "telemetry.ingest_health", "telemetry.ingest.view"),
    ("Telemetria", "telemetry.tags", "telemetry.tags.view"),
]

register = Area(blueprints=[bp], api_blueprints=[api], nav=NAV).register
