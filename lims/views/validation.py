"""LIMS views: validation (four eyes, per sample or in bulk), correction, reanalysis,
cancellation and publication."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.api_operation import operation
from core.auth import User, require
from core.db import session
from core.errors import NotFound, ValidationError
from core.web import current, form_ids
from lims.models.results import Recoleta
from lims.services import holds, recoleta, registry, validation, verifications
from lims.services import results as rs
from lims.views.blueprints import api, bp


@bp.route("/validacao")
@require("lims.results.validate")
def validation_list():  # type: ignore[no-untyped-def]
    rows = validation.pending_validation()
    return render_template("lims/validacao_lista.html", rows=rows, me=current().id,
                           progress=verifications.progress(rows),  # issue 20
                           held=holds.undecided(r.id for r in rows))


@bp.route("/validacao", methods=["POST"])
@require("lims.results.validate")
def validation_post():  # type: ignore[no-untyped-def]
    ids = form_ids("resultado", required="Marque ao menos um resultado.")
    done = validation.validate(ids, current().id)
    flash(f"{len(done)} resultado(s) validado(s).", "sucesso")
    if len(done) < len(ids):  # issue 20: a parameter that needs more than one verification
        flash(f"{len(ids) - len(done)} verificação(ões) registrada(s): o resultado ainda precisa "
              "da verificação de outra pessoa.", "aviso")
    return redirect(url_for("lims.validation_list"))


@bp.route("/resultados/<int:result_id>/<acao>", methods=["POST"])
@require("lims.results.validate")
def result_action(result_id: int, acao: str):  # type: ignore[no-untyped-def]
    reason = request.form.get("justificativa", "")
    uid = current().id
    if acao == "corrigir":
        validation.correct(result_id, request.form.get("valor", ""), reason, uid,
                           confirm_implausible=bool(request.form.get("confirmar")))
        flash("Resultado corrigido; o valor anterior fica no histórico.", "sucesso")
    elif acao == "reanalise":
        validation.reanalyse(result_id, reason, uid)
        flash("Resultado enviado para reanálise.", "sucesso")
    elif acao == "cancelar":
        validation.cancel(result_id, reason, uid)
        flash("Resultado cancelado.", "sucesso")
    else:
        raise ValidationError("Ação inválida.")
    return redirect(request.referrer or url_for("lims.validation_list"))


def _publication_filters(args) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    year = month = None
    mes = (args.get("mes") or "").strip()  # <input type="month">: 2026-03
    if mes:
        try:
            year, month = (int(x) for x in mes.split("-", 1))
            if not 1 <= month <= 12:
                raise ValueError
        except ValueError:
            raise ValidationError("Mês inválido: escolha o mês no calendário (ex.: março de 2026).",
                                  fields={"mes": ["inválido"]}) from None
    return {"system_id": args.get("sistema", type=int) or None,
            "point_id": args.get("ponto", type=int) or None, "year": year, "month": month}


@bp.route("/publicacao")
@require("lims.results.publish")
def publication():  # type: ignore[no-untyped-def]
    """The Supervisor's publishing step: validated results, filtered by system, point and
    month, shown as citizens will read them on the portal, then published."""
    filters = _publication_filters(request.args)
    rows = validation.awaiting_publication(**filters)
    systems = registry.records("sistemas")
    points = registry.records("pontos")
    return render_template("lims/publicacao.html", rows=rows, systems=systems, points=points,
                           total=validation.awaiting_publication_count(),
                           sistema=filters["system_id"], ponto=filters["point_id"],
                           mes=request.args.get("mes", ""))


@bp.route("/publicacao", methods=["POST"])
@require("lims.results.publish")
def publication_post():  # type: ignore[no-untyped-def]
    ids = form_ids("resultado")
    filters = _publication_filters(request.form)
    if request.form.get("todos"):
        n = validation.publish_results(supervisor_id=current().id, **filters)
    elif ids:
        n = validation.publish_results(supervisor_id=current().id, result_ids=ids)
    else:
        raise ValidationError("Marque ao menos um resultado ou publique todos os filtrados.",
                              fields={"resultado": ["vazio"]})
    flash(f"{n} resultado(s) publicado(s): já aparecem no portal do cidadão.", "sucesso")
    return redirect(url_for("lims.publication", sistema=filters["system_id"],
                            ponto=filters["point_id"], mes=request.form.get("mes") or None))


# -- JSON API ---------------------------------------------------------------------------------



class ValidateIn(Schema):
    resultados = fields.List(fields.Integer(), required=True, validate=validate.Length(1, 2000))


class ValidatedOut(Schema):
    validados = fields.List(fields.Integer())


@api.route("/resultados/validar")
class ValidateApi(MethodView):
    @operation(api, "lims.results.validate", ValidateIn, out=ValidatedOut, dump=False,
               description="Ids dos resultados validados")
    def post(self, data):  # type: ignore[no-untyped-def]
        """Valida resultados (quatro olhos: quem analisou ou digitou não valida)."""
        done = validation.validate(data["resultados"], current().id)
        return {"validados": [r.id for r in done]}


@bp.route("/amostras/<int:sample_id>/resultados")
@require("lims.closing.view")
def sample_results(sample_id: int):  # type: ignore[no-untyped-def]
    """Every result of a sample with its history (corrected, reanalysed, cancelled values stay
    visible with who and why)."""
    rows = rs.results_of_sample(sample_id, history=True)
    if not rows:
        raise NotFound("Amostra sem resultados.")
    ids = {x for r in rows for x in (r.analyst_id, r.validated_by_id, r.entered_by_id) if x}
    names = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    recs = list(session.scalars(select(Recoleta).where(Recoleta.original_sample_id == sample_id)))
    user = current()
    return render_template("lims/validacao_amostra.html", rows=rows, names=names, recs=recs,
                           sums=rs.sample_sums(sample_id),
                           sample_code=rows[0].sample_code, point_name=rows[0].point_name,
                           can_validate=user.can("lims.results.validate"),
                           can_recoleta=user.can("lims.recoleta.manage"))


@bp.route("/resultados/<int:result_id>/recoleta", methods=["POST"])
@require("lims.recoleta.manage")
def recoleta_generate(result_id: int):  # type: ignore[no-untyped-def]
    recs = recoleta.schedule(result_id, automatic=False, reason=request.form.get("motivo", ""),
                             user_id=current().id)
    flash(f"{len(recs)} recoleta(s) programada(s).", "sucesso")
    return redirect(request.referrer or url_for("lims.validation_list"))


@bp.route("/recoletas/<int:recoleta_id>/cancelar", methods=["POST"])
@require("lims.recoleta.manage")
def recoleta_cancel(recoleta_id: int):  # type: ignore[no-untyped-def]
    recoleta.cancel(recoleta_id, request.form.get("motivo", ""), current().id)
    flash("Recoleta cancelada.", "sucesso")
    return redirect(request.referrer or url_for("lims.validation_list"))
