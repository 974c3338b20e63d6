"""Commercial web pages (blueprint `commercial`) and JSON API (`commercial_api`);
`register(app, api)` mounts them (called by saae.app)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from commercial.views import (  # noqa: F401  each feature module adds its routes to the blueprints
    api_views,
    billing,
    registry,
    setup,
)
from commercial.views.blueprints import api as commercial_api
from commercial.views.blueprints import bp
from core.shell import NavEntry, register_area

NAV: list[NavEntry] = [
    ("Comercial", "commercial.painel", "commercial.registry.view"),
    ("Faturamento", "commercial.faturamento", "commercial.billing.run"),
    ("Tarifas", "commercial.tarifas", "commercial.tariffs.manage"),
]


def register(app: Flask, api: Api) -> None:
    register_area(app, api, blueprints=[bp], api_blueprints=[commercial_api], nav=NAV,
                  dashboard=registry.dashboard_widgets)
