"""The consumers' virtual office (blueprint `office`, under /portal/escritorio): sign-in with
CPF/CNPJ + matricula + a one-time code, then invoices (second copy, PIX), consumption,
water quality, notices, requests, preferences, alerts and the LGPD page."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from commercial import api as commercial_api
from core import fmt
from core.audit import Actor, audit_context
from core.auth import public
from core.errors import DomainError, NotFound
from core.org import current_organization
from portal_publico import office, office_alerts, office_data
from portal_publico import services as sv
from portal_publico.models import ALERT_LABELS
from render.svg.bar_chart import Bar, bar_chart

bp = Blueprint("office", __name__, url_prefix="/portal/escritorio")
TOKEN = "escritorio_token"  # the office session's key in the cookie (never a staff session)
PENDING = "escritorio_codigo"  # the code waiting to be typed
CHANNEL_LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "E-mail"}
REASONS = {"errado": "Código incorreto. Confira a mensagem e tente de novo.",
           "expirado": "O código expirou. Peça um novo código.",
           "esgotado": "Tentativas esgotadas para este código. Peça um novo código.",
           "usado": "Este código já foi usado. Peça um novo código."}


@bp.context_processor
def _globals() -> dict[str, Any]:
    return {"org": current_organization(), "sv": sv, "VERDICTS": sv.VERDICTS,
            "month_label": fmt.month_name, "acc": g.get("office_account"),
            "CHANNEL_LABELS": CHANNEL_LABELS}


@bp.after_request
def _no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"  # one person's data, never kept by a proxy
    return resp


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """The office session's account in `g.office_account`, the changes audited as this
    consumer; else the sign-in page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        row = office.session_for(session.get(TOKEN))
        acc = commercial_api.office_account(row.connection_id) if row is not None else None
        if acc is None:
            session.pop(TOKEN, None)
            flash("Entre no escritório virtual para continuar.", "aviso")
            return redirect(url_for("office.sign_in"))
        g.office_account = acc
        with audit_context(actor=Actor(None, f"consumidor (matrícula {acc.matricula})")):
            return view(*args, **kwargs)

    return public(wrapper)


def _address() -> str:
    return request.remote_addr or "-"


def _throttled(exc: office.Throttled, template: str, **ctx: Any) -> Response:
    flash(f"Muitas tentativas. Aguarde {exc.seconds // 60} minutos e tente de novo.", "erro")
    resp = Response(render_template(template, **ctx), 429)
    resp.headers["Retry-After"] = str(exc.seconds)
    return resp


# -- signing in ----------------------------------------------------------------------------------

@bp.route("/entrar", methods=["GET", "POST"])
@public
def sign_in():  # type: ignore[no-untyped-def]
    form = {"documento": request.form.get("documento", "")[:40],
            "matricula": request.form.get("matricula", "")[:20],
            "destino": request.form.get("destino", "celular")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form["documento"].strip():
            errors["documento"] = "Informe o CPF ou CNPJ do titular."
        if not form["matricula"].strip():
            errors["matricula"] = "Informe a matrícula com o dígito, como está na conta."
        if form["destino"] not in ("celular", "email"):
            errors["destino"] = "Escolha onde receber o código."
        if not errors:
            try:
                sent = office.request_code(form["documento"], form["matricula"], form["destino"],
                                           _address())
            except office.Throttled as exc:
                return _throttled(exc, "portal_publico/escritorio/entrar.html", form=form, errors={})
            session[PENDING] = sent.code_id or 0
            return redirect(url_for("office.code", destino=form["destino"]))
    return render_template("portal_publico/escritorio/entrar.html", form=form, errors=errors), (
        422 if errors else 200)


@bp.route("/codigo", methods=["GET", "POST"])
@public
def code():  # type: ignore[no-untyped-def]
    if PENDING not in session:
        return redirect(url_for("office.sign_in"))
    destino = "email" if request.args.get("destino") == "email" else "celular"
    error = ""
    if request.method == "POST":
        try:
            got = office.verify_code(session.get(PENDING) or None, request.form.get("codigo", "")[:20],
                                     _address())
        except office.Throttled as exc:
            return _throttled(exc, "portal_publico/escritorio/codigo.html", destino=destino, error="")
        if got.ok:
            session.pop(PENDING, None)
            session[TOKEN] = got.token
            return redirect(url_for("office.home"))
        error = REASONS.get(got.reason, REASONS["errado"])
    return render_template("portal_publico/escritorio/codigo.html", destino=destino,
                           error=error), (422 if error else 200)


@bp.route("/sair", methods=["POST"])
@public
def sign_out():  # type: ignore[no-untyped-def]
    office.sign_out(session.pop(TOKEN, None))
    flash("Você saiu do escritório virtual.", "sucesso")
    return redirect(url_for("office.sign_in"))


# -- the account ---------------------------------------------------------------------------------

def consumption_chart(uses: list[commercial_api.MonthlyUse]) -> Any:
    """Monthly consumption bars (render toolkit); the last month dark, estimated ones grey."""
    last = len(uses) - 1
    bars = [Bar(fmt.MONTHS_SHORT[u.month - 1], u.consumption,
                color="#0b4f8a" if i == last else ("#9aa7b4" if u.kind != "real" else "#8fb3d6"),
                tip=f"{fmt.month_short(u.year, u.month)}: {u.consumption} m³",
                text=str(u.consumption))
            for i, u in enumerate(uses)]
    return bar_chart("Consumo mensal em m³", bars, vertical=True, width=420, height=160,
                     caption=False, css_class="grafico-consumo")


@bp.route("/")
@signed_in
def home():  # type: ignore[no-untyped-def]
    acc = g.office_account
    uses = commercial_api.office_consumption(acc.connection_id, 12)
    real = [u.consumption for u in uses[:-1] if u.kind == "real"]
    return render_template(
        "portal_publico/escritorio/inicio.html", invoices=commercial_api.office_invoices(acc.connection_id),
        uses=uses, chart=consumption_chart(uses) if uses else None,
        average=round(sum(real) / len(real)) if real else None,
        quality=office_data.water_quality(acc), notices=office_data.notices_for(acc),
        requests=office_data.service_requests(acc.connection_id), kinds=sv.NOTICE_KINDS)


@bp.route("/faturas/<int:invoice_id>/2via.pdf")
@signed_in
def second_copy(invoice_id: int):  # type: ignore[no-untyped-def]
    try:
        name, data = commercial_api.office_second_copy(g.office_account.connection_id, invoice_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "erro")
        return redirect(url_for("office.home"))
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name)  # the name encoded for any browser (RFC 6266)


@bp.route("/faturas/<int:invoice_id>/pix")
@signed_in
def pix(invoice_id: int):  # type: ignore[no-untyped-def]
    inv = next((i for i in commercial_api.office_invoices(g.office_account.connection_id)
                if i.id == invoice_id), None)
    if inv is None:
        abort(404)
    qr = segno.make(inv.pix, error="m").svg_data_uri(scale=4) if inv.pix else None
    return render_template("portal_publico/escritorio/pix.html", inv=inv, qr=qr)


@bp.route("/preferencias", methods=["GET", "POST"])
@signed_in
def preferences():  # type: ignore[no-untyped-def]
    acc = g.office_account
    if request.method == "POST":
        try:
            if request.form.get("parte") == "alertas":
                office_alerts.save_subscriptions(acc.connection_id, {
                    k: request.form.get(f"canal_{k}", "") for k in ALERT_LABELS
                    if request.form.get(f"alerta_{k}")})
                flash("Alertas salvos.", "sucesso")
            else:
                commercial_api.office_set_preferences(
                    acc.connection_id, channels=request.form.getlist("canais"),
                    consent=bool(request.form.get("consentimento")),
                    invoice_by_email=bool(request.form.get("fatura_email")))
                flash("Preferências salvas.", "sucesso")
            return redirect(url_for("office.preferences"))
        except DomainError as exc:
            flash(exc.message + " " + " ".join(m for ms in (exc.fields or {}).values() for m in ms),
                  "erro")
    acc = commercial_api.office_account(acc.connection_id)
    return render_template("portal_publico/escritorio/preferencias.html", acc=acc,
                           subs=office_alerts.subscriptions(acc.connection_id), labels=ALERT_LABELS,
                           sent=office_alerts.alerts_of(acc.connection_id, 10))


@bp.route("/privacidade", methods=["GET", "POST"])
@signed_in
def privacy():  # type: ignore[no-untyped-def]
    acc = g.office_account
    details = request.form.get("detalhes", "")[:4000]
    error = ""
    if request.method == "POST":
        try:
            office_data.request_correction(acc.connection_id, details)
        except DomainError as exc:
            error = exc.message
        else:
            flash("Pedido de correção registrado. O atendimento responderá pelo seu canal preferido.",
                  "sucesso")
            return redirect(url_for("office.privacy"))
    return render_template("portal_publico/escritorio/privacidade.html", kept=office_data.KEPT,
                           requests=office_data.data_requests(acc.connection_id),
                           labels=office_data.REQUEST_LABELS, states=office_data.REQUEST_STATES,
                           details=details, error=error), (422 if error else 200)


@bp.route("/privacidade/exportar", methods=["POST"])
@signed_in
def export():  # type: ignore[no-untyped-def]
    acc = g.office_account
    data = office_data.export(acc.connection_id)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                     download_name=f"meus-dados-{acc.matricula}.json")
