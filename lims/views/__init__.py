"""LIMS web pages (blueprint `lims`) and JSON API (blueprint `lims_api`), one module per
feature; `register(app, api)` mounts them (called by saae.app)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from core.shell import NavEntry, register_area
from lims.views import (  # noqa: F401  each feature module adds its routes to the blueprints
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
from lims.views.blueprints import api as lims_api
from lims.views.blueprints import bp

NAV: list[NavEntry] = [
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


def register(app: Flask, api: Api) -> None:
    # routes.assets: the phone page script (lims/static)
    register_area(app, api, blueprints=[bp, routes.assets], api_blueprints=[lims_api], nav=NAV,
                  dashboard=samples.dashboard_widgets)
