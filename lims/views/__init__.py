"""LIMS web pages (blueprint `lims`) and JSON API (blueprint `lims_api`), one module per
feature; `register(app, api)` mounts them, with the menu entries and the home-page cards
(called by saae.app)."""

from core.shell import Area
from lims.views import (  # noqa: F401  add routes
    closing,
    methods,
    plan_generator,
    plans,
    qc_registry,
    quality_rules,
    reception,
    registry,
    reports,
    results,
    routes,
    routes_field,
    samples,
    sensors,
    sisagua,
    validation,
    worksheets,
)
from lims.views.blueprints import api, assets, bp

NAV = [
    ("Fechamento mensal", "lims.closing_page", "lims.closing.view"),
    ("Paradas de ETA", "lims.stoppage_list", "lims.stoppages.manage"),
    ("Planos de amostragem", "lims.plan_list", "lims.plans.view"),
    ("Recepção de amostras", "lims.reception_page", "lims.reception.receive"),
    ("Distribuição", "lims.distribution", "lims.distribution.assign"),
    ("Cadastros do laboratório", "lims.registry_home", "lims.registry.view"),
    ("Não conformidades", "lims.nonconformity_report", "lims.reports.view"),
    ("SISAGUA", "lims.sisagua_page", "lims.reports.view"),
    ("Digitar resultados", "lims.results_grid", "lims.results.enter"),
    ("Planilhas de trabalho", "lims.worksheet_list", "lims.worksheets.manage"),
    ("Cartas de controle", "lims.qc_charts", "lims.qc.view"),
    ("Materiais de referência e modelos", "lims.material_list", "lims.methods.manage"),
    ("Rotas de coleta", "lims.route_list", "lims.routes.manage"),
    ("Minhas coletas", "lims.field_home", "lims.collection.record"),
    ("Amostras", "lims.sample_list", "lims.samples.view"),
    ("Validação", "lims.validation_list", "lims.results.validate"),
    ("Resultados retidos", "lims.hold_list", "lims.holds.decide"),
    ("Publicação", "lims.publication", "lims.results.publish"),
]


def dashboard(user):  # type: ignore[no-untyped-def]
    return samples.dashboard_widgets(user) + methods.dashboard_cards(user)


register = Area(blueprints=[bp, assets], api_blueprints=[api], nav=NAV,
                dashboard=dashboard).register
