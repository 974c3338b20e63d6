"""LIMS views: reports (tender 7.13) as HTML, PDF and XLSX."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from flask import Response, abort, render_template, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import require
from core.errors import ValidationError
from core.web import current, query_int
from lims import api as lims_api
from lims.services import documents, quality, reports, stoppages
from lims.views.blueprints import api, bp
from lims.views.closing import _scope_args
from render.svg.bar_chart import Bar, bar_chart


@bp.route("/relatorios/fechamento")
@require("lims.reports.view")
def closing_report():  # type: ignore[no-untyped-def]
    system_id = query_int("sistema", minimum=1)
    year = query_int("ano", minimum=1900, maximum=2200)
    month = query_int("mes", minimum=1, maximum=12)
    if system_id is None or year is None or month is None:
        raise ValidationError("Informe sistema, ano e mês.",
                              fields={"sistema": ["obrigatorio"], "mes": ["obrigatorio"]})
    fmt = request.args.get("formato", "pdf")

    level, scope_id = _scope_args()
    content, mime, name = documents.closing_document(system_id, year, month, fmt,
                                                   post=request.args.get("pos") == "1",
                                                   level=level, scope_id=scope_id)
    return Response(content, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _args() -> tuple[int | None, int, int]:
    prev = dt.date.today().replace(day=1) - dt.timedelta(days=1)

    system_id = query_int("sistema", minimum=1)
    year = query_int("ano", prev.year, minimum=1900, maximum=2200)
    month = query_int("mes", prev.month, minimum=1, maximum=12)
    return system_id, year, month


@bp.route("/relatorios/sisagua.csv")
@require("lims.reports.view")
def sisagua_report():  # type: ignore[no-untyped-def]
    system_id, year, month = _args()
    if system_id is None:
        raise ValidationError("Informe o sistema.", fields={"sistema": ["obrigatorio"]})
    name = f"sisagua-controle-mensal-{system_id}-{year}-{month:02d}.csv"
    return Response(documents.sisagua_csv(system_id, year, month), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/relatorios/nao-conformidades")
@require("lims.reports.view")
def nonconformity_report():  # type: ignore[no-untyped-def]
    system_id, year, month = _args()
    rows = reports.nonconformities(system_id, year, month)
    head, body = reports.nonconformity_table(rows)
    title = f"Análises fora do padrão por ponto - {month:02d}/{year}"
    fmt = request.args.get("formato", "html")
    if fmt == "pdf":
        return Response(documents.render_pdf(title, "Painel de não conformidades", head, body,
                                           widths_mm=[50, 30, 22, 45, 35, 55, 40]),
                        mimetype="application/pdf")
    if fmt == "xlsx":
        return Response(documents.render_xlsx(title, "Painel de não conformidades", head, body),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    chart = bar_chart("Não conformidades por ponto",
                      [Bar(point, n) for point, n in reports.by_point(rows)])
    return render_template("lims/relatorio_nao_conformidades.html", title=title, head=head,
                           body=body, chart=chart, systems=quality.known_systems(),
                           system_id=system_id, year=year, month=month)


@bp.route("/relatorios/<slug>")
@require("lims.reports.view")
def report(slug: str):  # type: ignore[no-untyped-def]
    if slug not in reports.REPORTS:
        abort(404)
    label, fn = reports.REPORTS[slug]
    system_id, year, month = _args()
    title, head, body = fn(system_id, year, month)
    fmt = request.args.get("formato", "html")
    fname = f"{slug}-{system_id or 'todos'}-{year}-{month:02d}"
    if fmt == "pdf":
        return Response(documents.render_pdf(title, label, head, body), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{fname}.pdf"'})
    if fmt == "xlsx":
        return Response(documents.render_xlsx(title, label, head, body),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{fname}.xlsx"'})
    return render_template("lims/relatorio_tabela.html", title=title, head=head, body=body,
                           slug=slug, reports=reports.REPORTS, systems=quality.known_systems(),
                           system_id=system_id, year=year, month=month)


# -- JSON API ---------------------------------------------------------------------------------




class QualityArgs(Schema):
    ano = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    mes = fields.Integer(required=True, validate=validate.Range(1, 12))
    publicados = fields.Boolean(load_default=True)


class PublishedArgs(Schema):
    ponto = fields.Integer()
    sistema = fields.Integer()
    parametro = fields.String(validate=validate.Length(max=80))
    desde = fields.Date()
    ate = fields.Date()
    limite = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    inicio = fields.Integer(load_default=0, validate=validate.Range(0))


class StoppageIn(Schema):
    eta = fields.String(required=True, validate=validate.Length(1, 40))
    inicio = fields.AwareDateTime(required=True)
    fim = fields.AwareDateTime(allow_none=True, load_default=None)
    motivo = fields.String(load_default="", validate=validate.Length(max=500))
    referencia = fields.String(load_default="", validate=validate.Length(max=120))


ParameterSummaryOut = dataclass_schema(lims_api.ParameterSummary, "ParameterSummaryOut", descriptions={
    "verdict": "conforme | nao_conforme | sem_dados | indeterminado | fora_da_recomendacao",
    "field_readings": "analisadas que foram leituras de campo do coletor"})
QualitySummaryOut = dataclass_schema(
    lims_api.QualitySummary, "QualitySummaryOut",
    descriptions={"counting_rule": "como as amostras foram contadas"},
    parameters=fields.List(fields.Nested(ParameterSummaryOut)))
PublishedResultOut = dataclass_schema(lims_api.PublishedResult, "PublishedResultOut",
                                      descriptions={"value": "como emitido: 0,35; Ausente; < LD"})


class CreatedIdOut(Schema):
    id = fields.Integer()


@api.route("/qualidade/<int:system_id>")
class QualityApi(MethodView):
    @operation(api, "lims.reports.view", QualityArgs, location="query", out=QualitySummaryOut,
               dump=False, description="Resumo mensal do sistema")
    def get(self, args, system_id):  # type: ignore[no-untyped-def]
        """Resumo mensal de qualidade (Decreto 5.440): exigidas, analisadas, conformes e o
        resultado por parâmetro básico."""
        return asdict(lims_api.quality_summary(system_id, args["ano"], args["mes"],
                                               published_only=args["publicados"]))


@api.route("/resultados-publicados")
class PublishedApi(MethodView):
    @operation(api, "lims.reports.view", PublishedArgs, location="query",
               out=PublishedResultOut(many=True), dump=False, description="Resultados publicados")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Resultados PUBLICADOS, os mais recentes primeiro."""
        rows = lims_api.published_results(
            point_id=args.get("ponto"), system_id=args.get("sistema"),
            parameter_code=args.get("parametro"), since=args.get("desde"), until=args.get("ate"),
            limit=args["limite"], offset=args["inicio"])
        return [asdict(r) for r in rows]


@api.route("/paradas-eta")
class StoppageApi(MethodView):
    @operation(api, "lims.stoppages.manage", StoppageIn, status=201, out=CreatedIdOut, dump=False,
               description="Parada registrada")
    def post(self, data):  # type: ignore[no-untyped-def]
        """Registra uma parada de ETA (mesma referencia = mesma parada)."""
        sid = stoppages.register_eta_stoppage(data["eta"], data["inicio"], ended_at=data["fim"],
                                            reason=data["motivo"], source_ref=data["referencia"],
                                            user_id=current().id)
        return {"id": sid}, 201
