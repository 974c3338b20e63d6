"""Public ticket tracking and satisfaction survey: no login, only what the token points to."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.auth import public
from core.errors import DomainError
from core.web import found
from incidents import api as incidents_api
from incidents.views.blueprints import public_bp


@public_bp.route("/acompanhar/<token>")
@public
def tracking(token: str):  # type: ignore[no-untyped-def]
    t = found(incidents_api.ticket_by_token(token))
    return render_template("incidents/acompanhar.html", t=t, token=token)


@public_bp.route("/acompanhar/<token>/pesquisa", methods=["GET", "POST"])
@public
def survey(token: str):  # type: ignore[no-untyped-def]
    t = found(incidents_api.ticket_by_token(token))
    if request.method == "POST":
        try:
            incidents_api.submit_survey(token, request.form.get("score", 0, type=int),
                                        request.form.get("comment", ""))
        except DomainError as exc:
            flash(exc.message, "erro")
            return redirect(url_for("incidents_public.survey", token=token))
        flash("Obrigado! Sua avaliação foi registrada.", "sucesso")
        return redirect(url_for("incidents_public.tracking", token=token))
    return render_template("incidents/pesquisa.html", t=t, token=token)
