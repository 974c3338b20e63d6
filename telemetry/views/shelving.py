"""Shelving page: silence a known-bad sensor for a set time, with a reason (ISA-18.2)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.auth import require
from core.db import utcnow
from core.errors import DomainError
from core.web import current
from telemetry import shelving
from telemetry.views.blueprints import bp


@bp.route("/supressoes")
@require("telemetry.anomalies.manage")
def shelves():  # type: ignore[no-untyped-def]
    return render_template("telemetry/supressoes.html", rows=shelving.shelves(limit=100),
                           now=utcnow(), tag=request.args.get("tag", ""))


@bp.route("/supressoes", methods=["POST"])
@require("telemetry.anomalies.manage")
def shelve():  # type: ignore[no-untyped-def]
    user = current()
    f = request.form
    try:
        shelving.shelve(f.get("tag", "").strip(), hours=f.get("hours", ""),
                        reason=f.get("reason", ""), username=user.username if user else "?")
        flash("Tag suprimida: as anomalias dela ficam registradas, sem chamar ninguém.", "sucesso")
    except DomainError as exc:
        flash(exc.message, "erro")
    return redirect(url_for("telemetry.shelves"))


@bp.route("/supressoes/<int:shelf_id>/liberar", methods=["POST"])
@require("telemetry.anomalies.manage")
def shelf_lift(shelf_id: int):  # type: ignore[no-untyped-def]
    user = current()
    try:
        shelving.lift(shelf_id, username=user.username if user else "?")
        flash("Supressão liberada.", "sucesso")
    except DomainError as exc:
        flash(exc.message, "erro")
    return redirect(url_for("telemetry.shelves"))
