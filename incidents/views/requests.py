"""Service requests at the counter, by phone and from WhatsApp (Registro de Atendimento):
the list, the form, one request's page with its orders and history, and cancelling."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.auth import require
from core.errors import DomainError
from incidents.domain import requests as rules
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc
from incidents.views.blueprints import bp
from incidents.views.outcome import attempt

FORM_FIELDS = ("type_code", "subject", "matricula", "address", "neighbourhood", "requester_name",
               "requester_document", "requester_phone", "requester_email", "description")


@bp.route("/atendimento/")
@require("incidents.request.view")
def requests_list():  # type: ignore[no-untyped-def]
    state = request.args.get("situacao") or None
    q = request.args.get("q", "")[:60]
    return render_template("incidents/solicitacoes.html", rows=req_svc.search(state=state, q=q),
                           state=state, q=q, labels=rules.REQUEST_LABELS, channels=rules.CHANNELS,
                           names={t.code: t.description for t in req_svc.types(active_only=False)})


@bp.route("/atendimento/nova", methods=["GET", "POST"])
@require("incidents.request.open")
def request_new():  # type: ignore[no-untyped-def]
    form = {k: request.values.get(k, "") for k in (*FORM_FIELDS, "channel")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            req = req_svc.open_request({k: form[k] for k in FORM_FIELDS}, channel=form["channel"] or "balcao")
        except DomainError as exc:
            flash(exc.message, "erro")
            errors = dict(getattr(exc, "fields", None) or {})
        else:
            flash(f"Solicitação {req.protocol} registrada. Informe o protocolo ao cliente.", "sucesso")
            return redirect(url_for("incidents.request_page", request_id=req.id))
    return render_template("incidents/solicitacao_nova.html", form=form, errors=errors,
                           types=req_svc.types(), channels={k: v for k, v in rules.CHANNELS.items()
                                                            if k not in ("portal", "sistema")},
                           subjects=rules.SUBJECTS), (422 if errors else 200)


@bp.route("/atendimento/<int:request_id>")
@require("incidents.request.view")
def request_page(request_id: int):  # type: ignore[no-untyped-def]
    req = req_svc.get(request_id)
    return render_template("incidents/solicitacao.html", req=req, events=req_svc.events(req.id),
                           orders=wo_svc.orders(request_id=req.id), channels=rules.CHANNELS,
                           subjects=rules.SUBJECTS, type_name=req_svc.request_type_name(req.type_code),
                           tracking=req_svc.tracking_url(req), closed=req.state in rules.REQUEST_CLOSED)


@bp.route("/atendimento/<int:request_id>/cancelar", methods=["POST"])
@require("incidents.request.open")
def request_cancel(request_id: int):  # type: ignore[no-untyped-def]
    attempt(lambda: req_svc.cancel(request_id, request.form.get("reason", "")), "Solicitação cancelada.")
    return redirect(url_for("incidents.request_page", request_id=request_id))
