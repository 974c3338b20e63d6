"""The citizen's tracking page of a notice or a service request, and its satisfaction survey.
Mounted on the portal's blueprint by portal_publico.views (this module does not import it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.auth import public
from core.errors import DomainError
from portal_publico import notices


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/acompanhar/<token>", "track", track)
    bp.add_url_rule("/acompanhar/<token>/pesquisa", "survey", survey, methods=["GET", "POST"])


@public
def track(token: str):  # type: ignore[no-untyped-def]
    t = notices.ticket(token)
    if t is None:
        return render_template("portal_publico/acompanhar.html", t=None, token=token), 404
    return render_template("portal_publico/acompanhar.html", t=t or None, token=token,
                           unavailable=t is False)


@public
def survey(token: str):  # type: ignore[no-untyped-def]
    t = notices.ticket(token)
    if not t:
        return render_template("portal_publico/acompanhar.html", t=None, token=token,
                               unavailable=t is False), 404
    errors: dict[str, str] = {}
    score_raw = request.form.get("nota", "")
    comment = request.form.get("comentario", "")
    if request.method == "POST":
        try:
            score = int(score_raw)
            if not 1 <= score <= 5:
                raise ValueError
        except ValueError:
            errors["nota"] = "Escolha uma nota de 1 a 5."
        if len(comment) > 1000:
            errors["comentario"] = "O comentário pode ter até 1.000 caracteres."
        if not errors:
            try:
                notices.submit_survey(token, score, comment)
            except NotImplementedError:
                flash("A pesquisa ainda não está disponível. Tente mais tarde.", "aviso")
            except DomainError as exc:
                flash(exc.message, "erro")
            else:
                flash("Obrigado! Sua avaliação foi registrada.", "sucesso")
                return redirect(url_for("portal.track", token=token))
    return render_template("portal_publico/pesquisa.html", t=t, token=token, errors=errors,
                           score=score_raw, comment=comment), (422 if errors else 200)
