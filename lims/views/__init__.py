"""LIMS web pages (blueprint `lims`) and JSON API (blueprint `lims_api`), one module per
feature; `register(app, api)` mounts them, with the menu entries and the home-page cards
(called by saae.app)."""

from core.shell import Area
from lims.views import (  # noqa: F401  add routes
    closing,
    plans,
    reception,
    registry,
    reports,
    results,
    routes,
    samples,
    validation,
)
from lims.views.blueprints import api, bp

NAV = [
    ("Fechamento mensal", "lims.fechamento", "lims.closing.view"),
    ("Paradas de ETA", "lims.paradas", "lims.stoppages.manage"),
    ("Planos de amostragem", "lims.planos", "lims.plans.view"),
    ("Recepção de amostras", "lims.recepcao", "lims.reception.receive"),
    ("Distribuição", "lims.distribuicao", "lims.distribution.assign"),
    ("Cadastros do laboratório", "lims.cadastros", "lims.registry.view"),
    ("Não conformidades", "lims.relatorio_nao_conformidades", "lims.reports.view"),
    ("Digitar resultados", "lims.resultados_grade", "lims.results.enter"),
    ("Rotas de coleta", "lims.rotas", "lims.routes.manage"),
    ("Minhas coletas", "lims.campo", "lims.collection.record"),
    ("Amostras", "lims.amostras", "lims.samples.view"),
    ("Validação", "lims.validacao", "lims.results.validate"),
    ("Publicação", "lims.publicacao", "lims.results.publish"),
]

# routes.assets: the phone page script (lims/static)
register = Area(blueprints=[bp, routes.assets], api_blueprints=[api], nav=NAV,
                dashboard=samples.dashboard_widgets).register
