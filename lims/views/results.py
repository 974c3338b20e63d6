"""LIMS views: results entry (per sample and the bulk grid), the live VMP preview, and the
Boletim de Analise (external lab report) with its PDF."""

from __future__ import annotations

import datetime as dt

from flask import flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from core.auth import require
from core.db import session
from core.errors import ValidationError
from core.web import current, form_ids, settings
from lims.models.results import AnalysisReport
from lims.services import lab_checks, methods
from lims.services import lab_reports as lab_report_svc
from lims.services import results as rs
from lims.views.blueprints import bp


@bp.route("/resultados/grade", methods=["GET", "POST"])
@require("lims.results.enter")
def results_grid():  # type: ignore[no-untyped-def]
    code = request.values.get("parametro", "")
    errors: dict[str, list[str]] = {}
    flagged: set[int] = set()
    if request.method == "POST":
        values = {int(k[6:]): v for k, v in request.form.items()
                  if k.startswith("valor_") and k[6:].isdigit()}
        confirmed = set(form_ids("confirmado"))
        try:
            done = rs.enter_grid(code, values, user_id=current().id, confirmed=confirmed,
                                 instrument=request.form.get("instrumento") or None,
                                 instrument_id=request.form.get("instrumento_id", type=int))
            flash(f"{len(done)} resultado(s) registrado(s).", "sucesso")
            return redirect(url_for("lims.results_grid", parametro=code))
        except ValidationError as exc:
            errors = exc.fields
            flash(exc.message, "erro")
            flagged = _implausible_cells(rs, code, values, errors)
    rows = rs.awaiting_entry(code or None, links=False)  # the grid shows no neighbours
    params = {}
    for _ref, ps in rs.awaiting_entry(None, links=False) if code else rows:
        for p in ps:
            params[p.code] = p.name
    return render_template("lims/resultado_grade.html", rows=rows, code=code, params=params,
                           errors=errors, form=request.form, flagged=flagged,
                           **_quality_context(rows, code))


def _quality_context(rows, code: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Issue 20: the instruments the analyst may pick and each sample's time left."""
    pid = next((p.id for _ref, ps in rows for p in ps if p.code == code), None)
    return {"instruments": methods.instruments(active_only=True),
            "left": lab_checks.time_left([ref.id for ref, _ps in rows], parameter_id=pid)
            if pid else {}}


def _implausible_cells(rs, code: str, values: dict[int, str],  # type: ignore[no-untyped-def]
                       errors: dict[str, list[str]]) -> set[int]:
    """Cells the server refused only because the value is unusual (plausible range): the grid
    shows the confirmation beside each of them, with the server's message."""
    out = set()
    for ref, ps in rs.awaiting_entry(code):
        p = next((p for p in ps if p.code == code), None)
        if p is None or str(ref.id) not in errors or not values.get(ref.id, "").strip():
            continue
        try:
            if not rs.preview(values[ref.id], p)["plausivel"]:
                out.add(ref.id)
        except ValidationError:
            continue  # impossible or unreadable: no confirmation can make it right
    return out


@bp.route("/resultados/previa", methods=["POST"])
@require("lims.results.enter")
def results_preview():  # type: ignore[no-untyped-def]
    """Live VMP check for a grid cell (no writes)."""
    data = request.get_json(silent=True) or {}
    sid = int(data.get("amostra", 0) or 0)
    code = str(data.get("parametro", ""))
    for ref, ps in rs.awaiting_entry(code, sid):
        for p in ps:
            if p.code == code and ref.id == sid:
                try:
                    return jsonify(rs.preview(str(data.get("valor", "")), p, sample_id=ref.id,
                                              point_kind=ref.point_kind,
                                              system_id=ref.system_id))
                except ValidationError as exc:
                    return jsonify({"error": {"code": exc.code, "message": exc.message}}), 422
    return jsonify({"error": {"code": "nao_encontrado", "message": "Amostra não encontrada."}}), 404


@bp.route("/boletins", methods=["GET", "POST"])
@require("lims.results.enter")
def lab_reports():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        f = request.files.get("arquivo")
        try:
            day = dt.date.fromisoformat(request.form.get("data", ""))
        except ValueError:
            raise ValidationError("Informe a data do boletim.", fields={"data": ["invalida"]}) from None
        rep = lab_report_svc.register_report(request.form.get("laboratorio", ""), request.form.get("numero", ""),
                                 day, data_dir=settings().data_dir,
                                 pdf=f.read() if f and f.filename else None,
                                 file_name=f.filename if f else None, entered_by_id=current().id,
                                 notes=request.form.get("observacoes") or None)
        flash(f"Boletim {rep.report_number} registrado; transcreva os resultados.", "sucesso")
        return redirect(url_for("lims.lab_reports"))
    rows = list(session.scalars(select(AnalysisReport).order_by(AnalysisReport.id.desc()).limit(100)))
    return render_template("lims/resultado_boletins.html", rows=rows)
