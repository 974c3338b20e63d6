"""LIMS views: worksheets (montar, imprimir o Boletim de Análise, digitar as leituras), the
Supervisor's decision on a worksheet held by QC, and the control charts (issue 20 parts 1-2)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.auth import User, require
from core.db import session
from core.errors import ValidationError
from core.web import current, done, query_int, settings
from lims.models.holds import HoldDecision
from lims.models.methods import Instrument, Method
from lims.models.worksheets import ReferenceMaterial, SlotKind, WorksheetState
from lims.services import bench_sheet, qc
from lims.services import worksheets as ws_svc
from lims.views.blueprints import bp


def _int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def _instruments() -> list[Instrument]:
    return list(session.scalars(select(Instrument).where(Instrument.active.is_(True))
                                .order_by(Instrument.code)))


def _names(ids) -> dict[int, str]:  # type: ignore[no-untyped-def]
    ids = [i for i in ids if i]
    return {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


@bp.route("/planilhas")
@require("lims.worksheets.manage")
def worksheet_list():  # type: ignore[no-untyped-def]
    rows = ws_svc.listing()
    methods = {m.id: m for m in session.scalars(select(Method))}
    return render_template("lims/planilhas.html", rows=rows, methods=methods,
                           active=ws_svc.methods(), states=WorksheetState.labels(),
                           names=_names({r.analyst_id for r in rows}))


@bp.route("/planilhas/nova", methods=["GET", "POST"])
@require("lims.worksheets.manage")
def worksheet_new():  # type: ignore[no-untyped-def]
    method_id = query_int("metodo", minimum=1) or _int("metodo")
    method = session.get(Method, method_id) if method_id else None
    if method is None:
        flash("Escolha o método da planilha.", "erro")
        return redirect(url_for("lims.worksheet_list"))
    if request.method == "POST":
        ids = [int(x) for x in request.form.getlist("amostra") if x.isdigit()]
        ws = ws_svc.create(method_id, user_id=current().id, sample_ids=ids,
                           template_id=_int("modelo"), instrument_id=_int("instrumento"),
                           reagent_lots=request.form.get("lotes", ""))
        flash(f"Planilha {ws.code} montada; imprima o Boletim de Análise para a bancada.", "sucesso")
        return redirect(url_for("lims.worksheet_detail", worksheet_id=ws.id))
    return render_template("lims/planilha_nova.html", method=method,
                           candidates=ws_svc.candidates(method_id),
                           templates=ws_svc.templates(method_id), instruments=_instruments())


def _detail(worksheet_id: int, errors: dict | None = None, form=None):  # type: ignore[no-untyped-def]
    ws = ws_svc.get(worksheet_id)
    method = session.get(Method, ws.method_id)
    slots = ws_svc.slots(ws.id)
    materials = {m.id: m for m in session.scalars(select(ReferenceMaterial).where(
        ReferenceMaterial.id.in_({s.reference_material_id for s in slots if s.reference_material_id})))}
    user = current()
    return render_template(
        "lims/planilha.html", ws=ws, method=method, slots=slots, materials=materials,
        kinds=SlotKind.labels(), states=WorksheetState.labels(), instruments=_instruments(),
        instrument=session.get(Instrument, ws.instrument_id) if ws.instrument_id else None,
        names=_names({ws.analyst_id, ws.created_by_id, ws.entered_by_id}),
        held=ws_svc.held_results(ws) if ws.state == WorksheetState.HELD else {},
        can_decide=user.can("lims.qc.decide"), errors=errors or {}, form=form or {},
        rerun=ws_svc.rerun_of(ws.id), setting=qc.setting(method.id))


@bp.route("/planilhas/<int:worksheet_id>")
@require("lims.worksheets.manage")
def worksheet_detail(worksheet_id: int):  # type: ignore[no-untyped-def]
    return _detail(worksheet_id)


@bp.route("/planilhas/<int:worksheet_id>/leituras", methods=["POST"])
@require("lims.worksheets.manage")
def worksheet_readings(worksheet_id: int):  # type: ignore[no-untyped-def]
    readings = {int(k[8:]): v for k, v in request.form.items()
                if k.startswith("posicao_") and k[8:].isdigit()}
    confirmed = [int(x) for x in request.form.getlist("confirmado") if x.isdigit()]
    try:
        ws = ws_svc.enter_readings(worksheet_id, readings, user_id=current().id,
                                   instrument_id=_int("instrumento"),
                                   reagent_lots=request.form.get("lotes"), confirmed=confirmed)
    except ValidationError as exc:
        flash(exc.message, "erro")
        return _detail(worksheet_id, exc.fields, request.form), 422
    if ws.state == WorksheetState.HELD:
        flash(f"Controle de qualidade reprovado: os resultados da planilha {ws.code} estão "
              "retidos até a decisão de um Supervisor.", "erro")
    else:
        flash(f"Leituras da planilha {ws.code} registradas; controles aprovados.", "sucesso")
    return redirect(url_for("lims.worksheet_detail", worksheet_id=ws.id))


@bp.route("/planilhas/<int:worksheet_id>/decisao", methods=["POST"])
@require("lims.qc.decide")
def worksheet_decision(worksheet_id: int):  # type: ignore[no-untyped-def]
    raw = request.form.get("decisao", "")
    if raw not in {d.value for d in HoldDecision}:
        raise ValidationError("Escolha reanalisar ou aceitar.", fields={"decisao": ["Escolha."]})
    nxt = ws_svc.decide(worksheet_id, HoldDecision(raw), request.form.get("justificativa", ""),
                        current().id)
    message = (f"Reanálise ordenada: a planilha {nxt.code} refaz as mesmas posições."
               if nxt.id != worksheet_id else
               "Resultados aceitos com justificativa; seguem para a validação.")
    return done(message, "lims.worksheet_detail", worksheet_id=nxt.id)


@bp.route("/planilhas/<int:worksheet_id>/boletim.pdf")
@require("lims.worksheets.manage")
def worksheet_bench_sheet(worksheet_id: int):  # type: ignore[no-untyped-def]
    ws = ws_svc.get(worksheet_id)
    pdf = bench_sheet.bench_sheet_pdf(ws.id, utility_name=settings().utility_name)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="boletim-analise-{ws.code}.pdf"'})


@bp.route("/controle-qualidade")
@require("lims.qc.view")
def qc_charts():  # type: ignore[no-untyped-def]
    days = query_int("dias", 60, minimum=7, maximum=730)
    wanted = query_int("material", minimum=1)
    charts = [c for c in qc.charts(days=days) if wanted in (None, c.material.id)]
    return render_template("lims/controle_qualidade.html", charts=charts, days=days,
                           svg=qc.chart_svg, rows=qc.violation_rows, wanted=wanted,
                           materials=qc.materials())
