"""LIMS views: sampling plans (network and treatment sections), the required-vs-planned table
per parameter and month, approval (with a Gestor's justification below the minimum) and the
generation of a month's scheduled samples; JSON API for plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import require
from core.db import session
from core.errors import ValidationError
from core.web import current, done, form_ids
from lims.domain.plans import FREQUENCY_LABELS
from lims.models.plans import PlanItem
from lims.models.registry import POINT_LABELS
from lims.services import plans, registry
from lims.views import plan_generator
from lims.views.blueprints import api, bp

MONTHS = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]


@bp.route("/planos", methods=["GET"])
@require("lims.plans.view")
def plan_list():  # type: ignore[no-untyped-def]
    systems = {s.id: s for s in registry.records("sistemas")}
    return render_template("lims/planos.html", rows=plans.plans(), systems=systems,
                           year=dt.date.today().year,
                           can_edit=current().can("lims.plans.edit"))


@bp.route("/planos", methods=["POST"])
@require("lims.plans.edit")
def plan_create():  # type: ignore[no-untyped-def]
    try:
        system_id = int(request.form.get("sistema", ""))
        year = int(request.form.get("ano", ""))
    except ValueError:
        raise ValidationError("Escolha o sistema e o ano.",
                              fields={"sistema": ["obrigatorio"]}) from None
    copy = request.form.get("copiar_de", type=int)
    plan = plans.create_plan(system_id, year, user_id=current().id, copy_from=copy)
    return done("Plano criado em rascunho.", "lims.plan_detail", plan_id=plan.id)


@bp.route("/planos/<int:plan_id>")
@require("lims.plans.view")
def plan_detail(plan_id: int):  # type: ignore[no-untyped-def]
    plan = plans.get(plan_id)
    system = registry.record("sistemas", plan.system_id)
    table = plans.month_table(plan_id)
    check = plans.minimum_check(plan_id)
    items = sorted((i for i in plan.items if i.active),
                   key=lambda i: (i.section, i.point.code, i.parameter.code))
    user = current()
    return render_template(
        "lims/plano.html", plan=plan, system=system, table=table, check=check, items=items,
        months=MONTHS, freqs={k.value: v for k, v in FREQUENCY_LABELS.items()},
        point_labels=POINT_LABELS,
        points=[p for p in registry.records("pontos", system_id=plan.system_id) if p.active],
        parameters=[p for p in registry.records("parametros") if p.active],
        can_edit=user.can("lims.plans.edit"), can_approve=user.can("lims.plans.approve"),
        can_justify=user.can("lims.plans.justify"), today=dt.date.today(),
        gen=plan_generator.context(plan))


@bp.route("/planos/<int:plan_id>/itens", methods=["POST"])
@require("lims.plans.edit")
def plan_item(plan_id: int):  # type: ignore[no-untyped-def]
    f = request.form
    point_ids, param_ids = form_ids("ponto"), form_ids("parametro")
    if not point_ids or not param_ids:
        raise ValidationError("Escolha ao menos um ponto e um parâmetro.",
                              fields={"ponto": ["obrigatorio"]})
    n = f.get("quantidade", type=int)
    for pt in point_ids:
        for pa in param_ids:
            plans.set_item(plan_id, parameter_id=pa, point_id=pt, frequency=f.get("frequencia", ""),
                           section=f.get("secao") or None, custom_count=n,
                           start_month=f.get("mes_inicial", type=int) or 1, user_id=current().id)
    flash(f"{len(point_ids) * len(param_ids)} linha(s) gravada(s).", "sucesso")
    return redirect(url_for("lims.plan_detail", plan_id=plan_id))


@bp.route("/planos/itens/<int:item_id>/remover", methods=["POST"])
@require("lims.plans.edit")
def plan_item_remove(item_id: int):  # type: ignore[no-untyped-def]
    item = session.get(PlanItem, item_id)
    plan_id = item.plan_id if item else None
    plans.remove_item(item_id, user_id=current().id)
    flash("Linha removida.", "sucesso")
    return redirect(url_for("lims.plan_detail", plan_id=plan_id) if plan_id else url_for("lims.plan_list"))


@bp.route("/planos/<int:plan_id>/aprovar", methods=["POST"])
@require("lims.plans.approve")
def plan_approve(plan_id: int):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    plan = plans.get(plan_id)
    gen = (today.year, today.month) if plan.year == today.year else None
    plans.approve(plan_id, user_id=current().id, justification=request.form.get("justificativa", ""),
                  generate=gen)
    flash("Plano aprovado" + (f"; amostras de {today:%m/%Y} programadas." if gen else "."), "sucesso")
    return redirect(url_for("lims.plan_detail", plan_id=plan_id))


@bp.route("/planos/<int:plan_id>/gerar", methods=["POST"])
@require("lims.plans.approve")
def plan_generate(plan_id: int):  # type: ignore[no-untyped-def]
    month = request.form.get("mes", type=int) or 0
    plan = plans.get(plan_id)
    made = plans.generate_month(plan_id, plan.year, month, user_id=current().id)
    flash(f"{len(made)} amostra(s) nova(s) programada(s) para {month:02d}/{plan.year}"
          + (" (o mês já estava gerado)." if not made else "."), "sucesso")
    return redirect(url_for("lims.plan_detail", plan_id=plan_id))


# -- JSON API ---------------------------------------------------------------------------------

class PlanArgs(Schema):
    sistema = fields.Integer()
    ano = fields.Integer(validate=validate.Range(2000, 2100))


class ApproveIn(Schema):
    justificativa = fields.String(load_default="", validate=validate.Length(max=4000))
    gerar_mes = fields.Integer(validate=validate.Range(1, 12),
                               metadata={"description": "mês cujas amostras sao geradas"})


class GenerateIn(Schema):
    mes = fields.Integer(required=True, validate=validate.Range(1, 12))


# -- answers: each a dataclass, the one list of its fields; the OpenAPI schema is derived -----

@dataclass(frozen=True)
class PlanItemAnswer:
    """One active line of the plan: a parameter at a point, its frequency and first month."""

    id: int
    secao: str
    parametro: str
    ponto: str
    ponto_id: int
    frequencia: str
    quantidade_mes: int | None
    mes_inicial: int | None


@dataclass(frozen=True)
class PlanMonthAnswer:
    """Samples the standard requires and the plan schedules in one month."""

    mes: int
    exigido: int
    planejado: int
    ok: bool


@dataclass(frozen=True)
class PlanMinimumAnswer:
    """The minimum of one parameter where it is sampled (`onde`: saida, rede...): the rule in
    words and the twelve months."""

    parametro: str
    onde: str
    regra: str
    nao_verificado: bool
    meses: tuple[PlanMonthAnswer, ...]


@dataclass(frozen=True)
class PlanAnswer:
    """A sampling plan: one system and year, a new version for each change after approval;
    `abaixo_do_minimo` when approved below the standard's minimum, with the Gestor's
    `justificativa`."""

    id: int
    sistema_id: int
    ano: int
    versao: int
    nome: str
    estado: str
    aprovado_em: str | None
    abaixo_do_minimo: bool
    justificativa: str | None


@dataclass(frozen=True)
class PlanFullAnswer(PlanAnswer):
    """The plan with its active lines and the minimum required x planned."""

    itens: tuple[PlanItemAnswer, ...]
    minimo_atendido: bool
    minimo: tuple[PlanMinimumAnswer, ...]


PlanItemOut = dataclass_schema(PlanItemAnswer, "PlanItemOut")
PlanMonthOut = dataclass_schema(PlanMonthAnswer, "PlanMonthOut")
PlanMinimumOut = dataclass_schema(PlanMinimumAnswer, "PlanMinimumOut",
                                  meses=fields.List(fields.Nested(PlanMonthOut)))
PlanOut = dataclass_schema(PlanAnswer, "PlanOut", descriptions={"aprovado_em": "ISO 8601"})
PlanFullOut = dataclass_schema(PlanFullAnswer, "PlanFullOut", descriptions={"aprovado_em": "ISO 8601"},
                               itens=fields.List(fields.Nested(PlanItemOut)),
                               minimo=fields.List(fields.Nested(PlanMinimumOut)))


class GeneratedOut(Schema):
    criadas = fields.Integer()
    codigos = fields.List(fields.String())


def _minimum(plan_id: int) -> tuple[PlanMinimumAnswer, ...]:
    return tuple(PlanMinimumAnswer(
        parametro=r["code"], onde=r["where"], regra=r["rule"], nao_verificado=r["unverified"],
        meses=tuple(PlanMonthAnswer(m["month"], m["required"], m["planned"], m["ok"])
                    for m in r["months"])) for r in plans.month_table(plan_id))


def plan_json(plan, full: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """The plan's answer; full: with its active lines and the minimum required x planned."""
    more = {}
    if full:
        more = {"itens": tuple(PlanItemAnswer(
            id=i.id, secao=i.section, parametro=i.parameter.code, ponto=i.point.code,
            ponto_id=i.point_id, frequencia=i.frequency, quantidade_mes=i.custom_count,
            mes_inicial=i.start_month) for i in plan.items if i.active),
            "minimo_atendido": plans.minimum_check(plan.id).ok, "minimo": _minimum(plan.id)}
    return asdict((PlanFullAnswer if full else PlanAnswer)(
        id=plan.id, sistema_id=plan.system_id, ano=plan.year, versao=plan.version,
        nome=plan.name, estado=str(plan.state),
        aprovado_em=plan.approved_at.isoformat() if plan.approved_at else None,
        abaixo_do_minimo=plan.below_minimum, justificativa=plan.justification, **more))


@api.route("/planos")
class PlansApi(MethodView):
    @operation(api, "lims.plans.view", PlanArgs, location="query", out=PlanOut(many=True),
               dump=False, description="Planos")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Planos de amostragem (por sistema e ano)."""
        return [plan_json(p) for p in plans.plans(args.get("sistema"), args.get("ano"))]


@api.route("/planos/<int:plan_id>")
class PlanApi(MethodView):
    @operation(api, "lims.plans.view", out=PlanFullOut, dump=False,
               description="O plano, suas linhas e o mínimo exigido x planejado")
    def get(self, plan_id):  # type: ignore[no-untyped-def]
        """Um plano com suas linhas e o mínimo exigido x planejado por parâmetro e mês."""
        return plan_json(plans.get(plan_id), full=True)


@api.route("/planos/<int:plan_id>/aprovar")
class PlanApproveApi(MethodView):
    @operation(api, "lims.plans.approve", ApproveIn, out=PlanOut, dump=False,
               description="O plano aprovado")
    def post(self, args, plan_id):  # type: ignore[no-untyped-def]
        """Aprova o plano (abaixo do mínimo exige justificativa de um Gestor) e gera o mês pedido."""
        gen = (plans.get(plan_id).year, args["gerar_mes"]) if args.get("gerar_mes") else None
        return plan_json(plans.approve(plan_id, user_id=current().id,
                                       justification=args["justificativa"], generate=gen))


@api.route("/planos/<int:plan_id>/gerar")
class PlanGenerateApi(MethodView):
    @operation(api, "lims.plans.approve", GenerateIn, out=GeneratedOut, dump=False,
               description="Amostras criadas (nenhuma se o mês já foi gerado)")
    def post(self, args, plan_id):  # type: ignore[no-untyped-def]
        """Gera (idempotente) as amostras PROGRAMADA de um mes do plano aprovado."""
        plan = plans.get(plan_id)
        made = plans.generate_month(plan_id, plan.year, args["mes"], user_id=current().id)
        return {"criadas": len(made), "codigos": [s.code for s in made]}
