"""LIMS views: the laboratory's methods (uncertainty ranges, analysts' competence) and
instruments (calibration, verification and maintenance records), managed by a Gestor or
Supervisor under the registry (issue 20); the home page's calibration warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core import fmt
from core.auth import User, require
from core.db import session
from core.web import current, settings
from lims.models.catalogue import Parameter
from lims.models.methods import RecordKind
from lims.services import methods as svc
from lims.services import reception
from lims.views.blueprints import bp


def _parameters() -> dict[int, str]:
    return dict(session.execute(select(Parameter.id, Parameter.name).where(  # type: ignore[arg-type]
        Parameter.active.is_(True)).order_by(Parameter.name)).all())


def _users(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}


@bp.route("/metodos")
@require("lims.methods.manage")
def method_list():  # type: ignore[no-untyped-def]
    rows = svc.methods()
    comps = svc.competences()
    counts = {m.id: sum(1 for c in comps if c.method_id == m.id and c.active) for m in rows}
    ranges = {m.id: len(svc.ranges(m.id)) for m in rows}
    return render_template("lims/metodos.html", rows=rows, params=_parameters(), counts=counts,
                           ranges=ranges)


@bp.route("/metodos/novo", methods=["GET", "POST"])
@bp.route("/metodos/<int:method_id>", methods=["GET", "POST"])
@require("lims.methods.manage")
def method_form(method_id: int | None = None):  # type: ignore[no-untyped-def]
    if request.method == "POST":
        m = svc.save_method(request.form.to_dict(), method_id=method_id, user_id=current().id,
                            reason=request.form.get("motivo", ""))
        flash(f"Método {m.code} salvo.", "sucesso")
        return redirect(url_for("lims.method_form", method_id=m.id))
    m = svc.method(method_id) if method_id is not None else None
    comps = svc.competences(method_id=method_id) if m is not None else []
    return render_template("lims/metodo.html", m=m, params=_parameters(),
                           ranges=svc.ranges(m.id) if m else [], comps=comps,
                           names=_users({c.user_id for c in comps}),
                           analysts=reception.analysts(), today=fmt.today())


@bp.route("/metodos/<int:method_id>/faixas", methods=["POST"])
@bp.route("/metodos/<int:method_id>/faixas/<int:range_id>", methods=["POST"])
@require("lims.methods.manage")
def method_range_save(method_id: int, range_id: int | None = None):  # type: ignore[no-untyped-def]
    svc.save_range(method_id, request.form.to_dict(), range_id=range_id, user_id=current().id,
                   reason=request.form.get("motivo", ""))
    flash("Faixa de incerteza salva.", "sucesso")
    return redirect(url_for("lims.method_form", method_id=method_id))


@bp.route("/metodos/<int:method_id>/competencias", methods=["POST"])
@require("lims.methods.manage")
def competence_grant(method_id: int):  # type: ignore[no-untyped-def]
    raw = request.form.get("analista", "")
    try:
        day = dt.date.fromisoformat(request.form.get("desde") or fmt.today().isoformat())
    except ValueError:
        raw = ""
    if not raw.isdigit():
        flash("Escolha o analista e a data da habilitação.", "erro")
        return redirect(url_for("lims.method_form", method_id=method_id))
    c = svc.grant(int(raw), method_id, granted_on=day, evidence=request.form.get("evidencia", ""),
                  by_id=current().id)
    flash(f"{_users({c.user_id}).get(c.user_id, '')} habilitado(a) para o método.", "sucesso")
    return redirect(url_for("lims.method_form", method_id=method_id))


@bp.route("/competencias/<int:competence_id>/revogar", methods=["POST"])
@require("lims.methods.manage")
def competence_revoke(competence_id: int):  # type: ignore[no-untyped-def]
    c = svc.revoke(competence_id, by_id=current().id, reason=request.form.get("motivo", ""))
    flash("Competência revogada.", "sucesso")
    return redirect(url_for("lims.method_form", method_id=c.method_id))


@bp.route("/competencias")
@require("lims.methods.manage")
def competence_list():  # type: ignore[no-untyped-def]
    """Who may enter results of which method: one row per analyst, one column per method."""
    ms = svc.methods(active_only=True)
    comps = [c for c in svc.competences() if c.active]
    people = _users({c.user_id for c in comps} | {u.id for u in reception.analysts()})
    grid = {(c.user_id, c.method_id): c for c in comps}
    return render_template("lims/competencias.html", methods=ms, people=people, grid=grid)


@bp.route("/instrumentos")
@require("lims.methods.manage")
def instrument_list():  # type: ignore[no-untyped-def]
    return render_template("lims/instrumentos.html", rows=svc.instruments(), today=fmt.today(),
                           warn_days=settings().lims_instrument_warning_days)


@bp.route("/instrumentos/novo", methods=["GET", "POST"])
@bp.route("/instrumentos/<int:instrument_id>", methods=["GET", "POST"])
@require("lims.methods.manage")
def instrument_form(instrument_id: int | None = None):  # type: ignore[no-untyped-def]
    if request.method == "POST":
        i = svc.save_instrument(request.form.to_dict(), instrument_id=instrument_id,
                                user_id=current().id, reason=request.form.get("motivo", ""))
        flash(f"Instrumento {i.code} salvo.", "sucesso")
        return redirect(url_for("lims.instrument_form", instrument_id=i.id))
    i = svc.instrument(instrument_id) if instrument_id is not None else None
    recs = svc.records(i.id) if i else []
    return render_template("lims/instrumento.html", i=i, records=recs, kinds=RecordKind.labels(),
                           names=_users({r.recorded_by_id for r in recs if r.recorded_by_id}),
                           today=fmt.today(), warn_days=settings().lims_instrument_warning_days)


@bp.route("/instrumentos/<int:instrument_id>/registros", methods=["POST"])
@require("lims.methods.manage")
def instrument_record_add(instrument_id: int):  # type: ignore[no-untyped-def]
    rec = svc.add_record(instrument_id, request.form.to_dict(), user_id=current().id)
    flash(f"{RecordKind(rec.kind).label} registrada.", "sucesso")
    return redirect(url_for("lims.instrument_form", instrument_id=instrument_id))


def dashboard_cards(user) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The home page warns before calibrations fall due (SAAE_LIMS_INSTRUMENT_WARNING_DAYS)."""
    if user is None or not (user.can("lims.methods.manage") or user.can("lims.results.enter")):
        return []
    days = settings().lims_instrument_warning_days
    due = svc.due_soon(fmt.today(), days)
    if not due:
        return []
    expired = [i for i, d in due if d < 0]
    first, left = due[0]
    hint = (f"{first.code}: " + ("calibração vencida" if left < 0 else
                                  f"vence em {fmt.date(first.calibration_due)} ({left} dia(s))"))
    return [{"title": "Calibrações a vencer", "value": len(due), "hint": hint,
             "url": url_for("lims.instrument_list" if user.can("lims.methods.manage")
                            else "lims.results_grid"),
             "tone": "falha" if expired else "alerta"}]
