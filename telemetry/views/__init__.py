"""Telemetry web pages (blueprint `telemetry`) and JSON API (blueprint `telemetry_api`);
`register(app, api)` mounts them (called by saae.app)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from core.shell import NavEntry, register_area
from telemetry.views import (  # noqa: F401  each feature module adds its routes to the blueprints
    anomalies,
    ingest,
    shelving,
    tags,
)
from telemetry.views.blueprints import api as telemetry_api
from telemetry.views.blueprints import bp

NAV: list[NavEntry] = [
    ("Anomalias", "telemetry.anomalies", "telemetry.anomalies.view"),
    ("Coletor SCADA", "telemetry.ingest_health", "telemetry.ingest.view"),
    ("Telemetria", "telemetry.tags", "telemetry.tags.view"),
]


def register(app: Flask, api: Api) -> None:
    register_area(app, api, blueprints=[bp], api_blueprints=[telemetry_api], nav=NAV)
