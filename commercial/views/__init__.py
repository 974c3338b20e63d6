"""Commercial web pages (blueprint `commercial`) and JSON API (`commercial_api`);
`register(app, api)` mounts them with the menu entries and the home-page cards (called by
saae.app)."""

from commercial.views import api_views, billing, payments, payments_api, registry, setup  # noqa: F401  add routes
from commercial.views.blueprints import api, bp
from core.shell import Area

NAV = [
    ("Comercial", "commercial.home", "commercial.registry.view"),  # the area's dashboard
    ("Faturamento", "commercial.billing", "commercial.billing.run"),
    ("Tarifas", "commercial.tariff_tables", "commercial.tariffs.manage"),
    ("Arrecadação", "commercial.return_files", "commercial.payments.import"),
]

register = Area(blueprints=[bp], api_blueprints=[api], nav=NAV,
                dashboard=registry.dashboard_widgets).register
