"""LIMS views: collection routes in the office: build, cancel, print the route sheet and the
bottle labels (the collector's phone and its sync API: lims.views.routes_field)."""

from __future__ import annotations

import datetime as dt

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core import fmt
from core.auth import User, require
from core.db import session
from core.errors import ValidationError
from core.web import current, done, query_int, settings
from lims.models.registry import SupplySystem
from lims.services import field_entries, route_labels, route_sheet
from lims.services import routes as svc
from lims.views.blueprints import bp
from render import labels


def _day(value: str | None) -> dt.date:
    if not value:
        return fmt.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError("Data inválida.", fields={"data": ["AAAA-MM-DD"]}) from None


def _users_with(profile: str, permission: str):  # type: ignore[no-untyped-def]
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users if u.has_profile(profile) or u.can(permission)]


# -- routes (office) --------------------------------------------------------------------------

@bp.route("/rotas")
@require("lims.routes.manage")
def route_list():  # type: ignore[no-untyped-def]
    day = _day(request.args.get("data"))
    system_id = query_int("sistema", minimum=1)

    systems = list(session.query(SupplySystem).filter_by(active=True).order_by(SupplySystem.name))
    rows = svc.list_routes(day=day)
    users = svc.users_by_id(r.collector_id for r in rows)
    return render_template(
        "lims/rotas.html", day=day, rows=rows, users=users, systems=systems, system_id=system_id,
        areas=svc.areas_for(day, system_id=system_id),
        collectors=_users_with("coletor", "lims.collection.record"),
        analysts=_users_with("analista", "lims.results.enter"))


@bp.route("/rotas", methods=["POST"])
@require("lims.routes.manage")
def route_create():  # type: ignore[no-untyped-def]
    day = _day(request.form.get("data"))
    collector = request.form.get("coletor", type=int)
    if not collector:
        raise ValidationError("Escolha o coletor.", fields={"coletor": ["obrigatorio"]})
    areas = request.form.getlist("area") or None
    r = svc.build_route(day, collector, user_id=current().id,
                        system_id=request.form.get("sistema", type=int) or None, areas=areas,
                        analysis_responsible_id=request.form.get("responsavel", type=int) or None,
                        notes=request.form.get("observacao") or None)
    flash(f"Rota {r.code} montada com {len(r.stops)} parada(s), {r.distance_km:.1f} km.", "sucesso")
    return redirect(url_for("lims.route_detail", route_id=r.id))


@bp.route("/rotas/<int:route_id>")
@require("lims.routes.manage")
def route_detail(route_id: int):  # type: ignore[no-untyped-def]
    r = svc.get_route(route_id)
    users = svc.users_by_id([r.collector_id, r.analysis_responsible_id])
    return render_template("lims/rota.html", r=r, users=users, counts=field_entries.entry_counts(r.id))


@bp.route("/rotas/<int:route_id>/cancelar", methods=["POST"])
@require("lims.routes.manage")
def route_cancel(route_id: int):  # type: ignore[no-untyped-def]
    r = svc.cancel_route(route_id, reason=request.form.get("motivo", ""), user_id=current().id)
    return done(f"Rota {r.code} cancelada; as amostras voltaram a ficar programadas.",
                "lims.route_detail", route_id=route_id)


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.route("/rotas/<int:route_id>/folha.pdf")
@require("lims.routes.manage")
def route_sheet_pdf(route_id: int):  # type: ignore[no-untyped-def]
    r = svc.get_route(route_id)
    return _pdf(route_sheet.route_sheet_pdf(r.id, utility_name=settings().utility_name),
                f"rota-{r.code}.pdf")


@bp.route("/rotas/<int:route_id>/etiquetas.pdf")
@require("lims.routes.manage")
def route_labels_pdf(route_id: int):  # type: ignore[no-untyped-def]
    r = svc.get_route(route_id)
    layout = route_labels.label_layout(request.args.get("formato"))
    per_bottle = request.args.get("por_frasco") == "1"
    skip = query_int("pular", 0, minimum=0, maximum=layout.per_page - 1)
    return _pdf(route_labels.labels_pdf(r.id, per_bottle=per_bottle, skip=skip, layout=layout),
                f"etiquetas-{r.code}.pdf")


@bp.route("/rotas/<int:route_id>/etiquetas.zpl")
@require("lims.routes.manage")
def route_labels_zpl(route_id: int):  # type: ignore[no-untyped-def]
    r = svc.get_route(route_id)
    symbology = "datamatrix" if request.args.get("simbologia") == "datamatrix" else "code128"
    return Response(route_labels.labels_zpl(r.id, per_bottle=request.args.get("por_frasco") == "1",
                                   symbology=symbology),
                    mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="etiquetas-{r.code}.zpl"'})


@bp.route("/etiquetas.pdf")
@require("lims.reception.receive")
def sample_labels_pdf():  # type: ignore[no-untyped-def]
    """Reprint the labels of some samples: /lims/etiquetas.pdf?amostra=1&amostra=2[&formato=termica]
    (formato: a4, termica, a4-datamatrix, a4-65-datamatrix, termica-datamatrix)."""
    ids = [int(x) for x in request.args.getlist("amostra") if x.isdigit()][:300]
    if not ids:
        raise ValidationError("Informe as amostras.", fields={"amostra": ["obrigatorio"]})
    specs = route_labels.sample_label_specs(ids)
    layout = route_labels.label_layout(request.args.get("formato"))
    if layout.per_page == 1:
        return _pdf(labels.render_thermal_pdf(specs, layout), "etiquetas.pdf")
    return _pdf(labels.render_sheet_pdf(specs, layout), "etiquetas.pdf")
