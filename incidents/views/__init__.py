"""Incidents web pages (blueprint `incidents`), the public tracking pages
(`incidents_public`) and the JSON API (`incidents_api`, under /api/v1/incidentes);
`register(app, api)` mounts them with the menu entries and the home-page cards (called by
saae.app)."""

from core.shell import Area
from incidents.views import (  # noqa: F401  add routes
    console,
    customer,
    external,
    field,
    oncall,
    public,
    quality_loop,
    request_catalogue,
    requests,
    requests_api,
    workorders,
)
from incidents.views.blueprints import api, bp, public_bp

NAV = [("Incidentes", "incidents.console", "incidents.incident.view"),
       ("Atendimento ao cliente", "incidents.requests_list", "incidents.request.view"),
       ("Campo (técnico)", "incidents.field_page", "incidents.field.use"),
       ("Ordens de serviço", "incidents.orders", "incidents.workorder.view")]

register = Area(blueprints=[bp, public_bp], api_blueprints=[api], nav=NAV,
                dashboard=console.dashboard).register
