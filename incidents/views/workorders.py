"""Work orders: list, page with the allowed transitions, desdobramento, reservico, the
service catalogue, notice templates and per-step messages, and the reports."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.audit import audit_context
from core.auth import require
from core.db import session, unit_of_work
from core.errors import DomainError, NotFound, ValidationError
from incidents import domain
from incidents.models import NoticeTemplate, StepConfig, Technician
from incidents.services import lab_notices
from incidents.services import workorders as wo_svc
from incidents.views.blueprints import bp
from incidents.views.outcome import attempt


@bp.route("/os")
@require("incidents.workorder.view")
def orders():  # type: ignore[no-untyped-def]
    state = request.args.get("situacao") or None
    return render_template("incidents/ordens.html", orders=wo_svc.orders(state=state), state=state,
                           labels=domain.WO_LABELS, techs={t.id: t for t in wo_svc.technicians()})


@bp.route("/os/<int:wo_id>")
@require("incidents.workorder.view")
def order(wo_id: int):  # type: ignore[no-untyped-def]
    wo = wo_svc.get(wo_id)
    return render_template("incidents/ordem.html", wo=wo, st=wo_svc.service(wo.service_code),
                           actions=wo_svc.actions(wo.id), periods=wo_svc.order_periods(wo.id),
                           next_states=sorted(domain.WO_TRANSITIONS[wo.state]), labels=domain.WO_LABELS,
                           techs=wo_svc.technicians(), proposal=wo_svc.propose(wo),
                           services=wo_svc.catalogue(), tech=session.get(Technician, wo.technician_id)
                           if wo.technician_id else None)


def _act(wo_id: int, fn: Any, ok: str) -> Any:
    done, new = attempt(fn, ok)
    if done and new is not None and getattr(new, "id", wo_id) != wo_id:
        return redirect(url_for("incidents.order", wo_id=new.id))
    return redirect(url_for("incidents.order", wo_id=wo_id))


@bp.route("/os/<int:wo_id>/acao", methods=["POST"])
@require("incidents.workorder.manage")
def order_action(wo_id: int):  # type: ignore[no-untyped-def]
    f = request.form
    action = f.get("action")
    if action == "transition":
        return _act(wo_id, lambda: wo_svc.transition(wo_id, f.get("state", ""), f.get("reason", "")) and None,
                    "Situação da OS alterada.")
    if action == "assign":
        return _act(wo_id, lambda: wo_svc.assign(wo_id, int(f.get("technician_id") or 0)) and None,
                    "OS designada.")
    if action == "approve":
        return _act(wo_id, lambda: wo_svc.approve(wo_id) and None, "OS aprovada.")
    if action == "unfold":
        return _act(wo_id, lambda: wo_svc.unfold(wo_id, f.get("service", ""), f.get("description", "")),
                    "OS dependente (desdobramento) aberta.")
    if action == "redo":
        return _act(wo_id, lambda: wo_svc.redo(wo_id, f.get("reason", "")), "Reserviço aberto.")
    flash("Ação desconhecida.", "erro")
    return redirect(url_for("incidents.order", wo_id=wo_id))


@bp.route("/os/relatorios")
@require("incidents.workorder.view")
def reports():  # type: ignore[no-untyped-def]
    return render_template("incidents/relatorios.html", r=wo_svc.reports(), labels=domain.WO_LABELS)


@bp.route("/catalogo")
@require("incidents.workorder.view")
def catalogue():  # type: ignore[no-untyped-def]
    return render_template("incidents/catalogo.html", services=wo_svc.catalogue(active_only=False))


@bp.route("/modelos", methods=["GET", "POST"])
@require("incidents.template.edit")
def templates():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        f = request.form
        try:
            with unit_of_work(), audit_context(reason="modelo de aviso editado"):
                if f.get("kind") == "step":
                    for cfg in session.scalars(select(StepConfig)):
                        cfg.send_whatsapp = f.get(f"step_{cfg.step}") == "1"
                else:
                    t = session.scalars(select(NoticeTemplate).where(NoticeTemplate.code == f.get("code"))).first()
                    if t is None:
                        raise NotFound("Modelo de aviso não encontrado.")
                    body = f.get("body", "").strip()
                    bad = domain.unknown_variables(body)
                    if not body or bad:
                        raise ValidationError("Variáveis desconhecidas: " + ", ".join(bad) if bad
                                              else "O texto não pode ficar vazio")
                    t.body, t.subject = body, f.get("subject", "").strip()
                    t.whatsapp_template = f.get("whatsapp_template", "").strip()
            flash("Configuração salva.", "sucesso")
        except DomainError as exc:
            flash(exc.message, "erro")
        return redirect(url_for("incidents.templates"))
    return render_template("incidents/modelos.html", policy=lab_notices.policy(),
                           templates=list(session.scalars(select(NoticeTemplate).order_by(NoticeTemplate.code))),
                           steps=list(session.scalars(select(StepConfig).order_by(StepConfig.id))),
                           variables=domain.TEMPLATE_VARIABLES, labels=domain.INCIDENT_LABELS)


@bp.route("/modelos/politica", methods=["POST"])
@require("incidents.notice.policy")
def notice_policy():  # type: ignore[no-untyped-def]
    on = request.form.get("ecoli_auto_publish") == "1"
    lab_notices.set_ecoli_auto_publish(on)
    flash("E. coli positivo será avisado à população sem esperar confirmação." if on else
          "Todo aviso de resultado de laboratório espera a confirmação de um Supervisor ou Gestor.",
          "sucesso")
    return redirect(url_for("incidents.templates"))
