"""The request types (what people ask for and the orders it opens) and the service price table."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from core.auth import require
from incidents.domain import requests as rules
from incidents.services import request_catalogue as cat
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc
from incidents.views.blueprints import bp
from incidents.views.outcome import attempt


@bp.route("/atendimento/tipos")
@require("incidents.request.view")
def request_catalogue():  # type: ignore[no-untyped-def]
    return render_template("incidents/tipos_solicitacao.html", types=req_svc.types(active_only=False),
                           prices=cat.prices(), services=wo_svc.catalogue(active_only=False),
                           effects=rules.EFFECT_LABELS, complaints=rules.COMPLAINT_LABELS)


@bp.route("/atendimento/tipos/<int:type_id>", methods=["POST"])
@require("incidents.request.catalogue")
def request_type_save(type_id: int):  # type: ignore[no-untyped-def]
    attempt(lambda: cat.save_type(type_id, request.form.to_dict()), "Tipo de solicitação salvo.")
    return redirect(url_for("incidents.request_catalogue"))


@bp.route("/atendimento/valores", methods=["POST"])
@require("incidents.request.catalogue")
def service_price_add():  # type: ignore[no-untyped-def]
    attempt(lambda: cat.add_price(request.form.to_dict()), "Valor de serviço incluído.")
    return redirect(url_for("incidents.request_catalogue"))
