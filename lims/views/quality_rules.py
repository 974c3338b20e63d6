"""LIMS views: the quality rules of each parameter (holding time, arrival temperature,
decision rule, verifications) and the Supervisor's page of held results (issue 20)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.auth import require
from core.db import get_or_404
from core.errors import ValidationError
from core.web import current, form_ids
from lims.models.catalogue import Parameter
from lims.models.holds import HoldDecision
from lims.models.methods import DecisionRule
from lims.services import hold_decisions, parameter_rules
from lims.views.blueprints import bp


@bp.route("/regras-parametros")
@require("lims.methods.manage")
def parameter_rule_list():  # type: ignore[no-untyped-def]
    return render_template("lims/regras_parametros.html", rows=parameter_rules.listing(),
                           rules=DecisionRule.labels())


@bp.route("/regras-parametros/carregar", methods=["POST"])
@require("lims.methods.manage")
def parameter_rules_load():  # type: ignore[no-untyped-def]
    """Load the reference holding times (versioned data file) for parameters without a rule."""
    n = parameter_rules.seed_rules()
    flash(f"{n} regra(s) de referência carregada(s); as já existentes ficaram como estavam.",
          "sucesso")
    return redirect(url_for("lims.parameter_rule_list"))


@bp.route("/regras-parametros/<int:parameter_id>", methods=["GET", "POST"])
@require("lims.methods.manage")
def parameter_rule_form(parameter_id: int):  # type: ignore[no-untyped-def]
    p = get_or_404(Parameter, parameter_id, "Parâmetro não encontrado.")
    if request.method == "POST":
        parameter_rules.save_rule(parameter_id, request.form.to_dict(), user_id=current().id,
                                  reason=request.form.get("motivo", ""))
        flash(f"Regras de {p.name} salvas.", "sucesso")
        return redirect(url_for("lims.parameter_rule_list"))
    return render_template("lims/regra_parametro.html", p=p, r=parameter_rules.rule_of(p.id),
                           rules=DecisionRule.labels(), most=parameter_rules.MAX_VERIFICATIONS)


@bp.route("/retencoes")
@require("lims.holds.decide")
def hold_list():  # type: ignore[no-untyped-def]
    return render_template("lims/retencoes.html", rows=hold_decisions.listing(),
                           decided=hold_decisions.listing(decided=True, limit=50))


@bp.route("/retencoes", methods=["POST"])
@require("lims.holds.decide")
def hold_decide():  # type: ignore[no-untyped-def]
    ids = form_ids("retencao", required="Marque ao menos uma retenção.")
    try:
        decision = HoldDecision(request.form.get("decisao", ""))
    except ValueError:
        raise ValidationError("Escolha aceitar ou reanalisar.", fields={"decisao": ["inválida"]}) from None
    done = hold_decisions.decide(ids, decision, request.form.get("justificativa", ""), current().id)
    what = "aceito(s) com justificativa" if decision is HoldDecision.ACCEPT else "enviado(s) para reanálise"
    flash(f"{len({h.result_id for h in done})} resultado(s) {what}.", "sucesso")
    return redirect(url_for("lims.hold_list"))
