"""Incidents web pages (blueprint `incidents`), the public tracking pages
(`incidents_public`) and the JSON API (`incidents_api`, under /api/v1/incidentes);
`register(app, api)` mounts them (called by saae.app)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from core.shell import NavEntry, register_area
from incidents.views import (  # noqa: F401  each feature module adds its routes to the blueprints
    console,
    external,
    field,
    oncall,
    public,
    workorders,
)
from incidents.views.blueprints import api as incidents_api
from incidents.views.blueprints import bp, public_bp

NAV: list[NavEntry] = [
    ("Incidentes", "incidents.console", "incidents.incident.view"),
    ("Campo (técnico)", "incidents.field_page", "incidents.field.use"),
    ("Ordens de serviço", "incidents.orders", "incidents.workorder.view"),
]


def register(app: Flask, api: Api) -> None:
    register_area(app, api, blueprints=[bp, public_bp], api_blueprints=[incidents_api], nav=NAV,
                  dashboard=console.dashboard)
