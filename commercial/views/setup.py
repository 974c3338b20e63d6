"""Pages a Gestor uses to set billing up: tariff tables, personalised messages, billing
groups and parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from commercial.domain.messages import PLACEHOLDERS, MessageKind
from commercial.domain.tariffs import CATEGORY_LABELS, Category
from commercial.models import MessageRule
from commercial.services import billing_groups, billing_parameters, messages, tariffs
from commercial.views.blueprints import bp
from core.auth import require
from core.db import session
from core.errors import NotFound, ValidationError

MAX_BANDS = 8


@bp.route("/tarifas")
@require("commercial.tariffs.manage")
def tariff_tables():  # type: ignore[no-untyped-def]
    return render_template("commercial/tarifas.html", tables=tariffs.tables(),
                           cats=CATEGORY_LABELS)


def _tariffs_from_form(form: Any) -> list[dict[str, Any]]:
    rows = []
    for cat in Category:
        key = cat.value
        if form.get(f"{key}_ativo") != "on":
            continue
        bands = []
        lower = form.get(f"{key}_min_vol") or "0"
        for i in range(MAX_BANDS):
            upper = (form.get(f"{key}_b{i}_upper") or "").strip()
            price = (form.get(f"{key}_b{i}_price") or "").strip()
            if not price:
                continue
            bands.append({"lower": lower, "upper": upper or None, "price": price})
            lower = upper or lower
        rows.append({"category": key, "tariff_type": form.get(f"{key}_type") or "normal",
                     "minimum_volume": form.get(f"{key}_min_vol"),
                     "minimum_charge": form.get(f"{key}_min_charge") or "0",
                     "sewer_percent": form.get(f"{key}_sewer") or "0",
                     "description": form.get(f"{key}_desc") or "", "bands": bands})
    return rows


@bp.route("/tarifas/nova", methods=["GET", "POST"])
@bp.route("/tarifas/<int:table_id>", methods=["GET", "POST"])
@require("commercial.tariffs.manage")
def tariff_table(table_id: int | None = None):  # type: ignore[no-untyped-def]
    table = tariffs.get_table(table_id) if table_id else None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        rows = _tariffs_from_form(request.form)
        try:
            table = tariffs.save_table(request.form.get("name", ""), request.form.get("valid_from"),
                                       request.form.get("valid_to"), rows, table_id,
                                       legal_basis=request.form.get("legal_basis") or None)
        except ValidationError as exc:
            flash(exc.message, "erro")
            errors = exc.fields
            current = {r["category"]: r for r in rows}
            head = {"name": request.form.get("name"), "valid_from": request.form.get("valid_from"),
                    "valid_to": request.form.get("valid_to"),
                    "legal_basis": request.form.get("legal_basis")}
            return render_template("commercial/tarifa_form.html", table=table, head=head,
                                   current=current, errors=errors, cats=CATEGORY_LABELS,
                                   max_bands=MAX_BANDS), 422
        flash(f"Tabela '{table.name}' gravada.", "sucesso")
        return redirect(url_for("commercial.tariff_table", table_id=table.id))
    if table is not None:
        current = {r["category"]: r for r in tariffs.table_as_rows(table)}
        head = {"name": table.name, "valid_from": table.valid_from.isoformat(),
                "valid_to": table.valid_to.isoformat() if table.valid_to else "",
                "legal_basis": table.legal_basis or ""}
    else:
        current = {r["category"]: r for r in tariffs.tender_example_rows()}
        head = {"name": "", "valid_from": dt.date.today().replace(day=1).isoformat(),
                "valid_to": "", "legal_basis": ""}
    return render_template("commercial/tarifa_form.html", table=table, head=head, current=current,
                           errors=errors, cats=CATEGORY_LABELS, max_bands=MAX_BANDS)


@bp.route("/tarifas/<int:table_id>/copiar", methods=["POST"])
@require("commercial.tariffs.manage")
def copy_tariff_table(table_id: int):  # type: ignore[no-untyped-def]
    new = tariffs.copy_table(table_id, request.form.get("name", ""),
                             request.form.get("valid_from"), request.form.get("reajuste") or 0)
    flash(f"Tabela '{new.name}' criada a partir da copia; a anterior termina em "
          f"{(new.valid_from - dt.timedelta(days=1)):%d/%m/%Y}.", "sucesso")
    return redirect(url_for("commercial.tariff_table", table_id=new.id))


# -- messages ---------------------------------------------------------------------------------

@bp.route("/mensagens")
@require("commercial.messages.manage")
def message_rules():  # type: ignore[no-untyped-def]
    rows = session().scalars(select(MessageRule).order_by(MessageRule.priority, MessageRule.id)).all()
    return render_template("commercial/mensagens.html", rows=rows, kinds=MessageKind.labels())


@bp.route("/mensagens/nova", methods=["GET", "POST"])
@bp.route("/mensagens/<int:rule_id>", methods=["GET", "POST"])
@require("commercial.messages.manage")
def message_rule(rule_id: int | None = None):  # type: ignore[no-untyped-def]
    rule = session().get(MessageRule, rule_id) if rule_id else None
    if rule_id and rule is None:
        raise NotFound("Mensagem não encontrada.")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {k: request.form.get(k) for k in request.form}
        try:
            rule = messages.save_message(data, rule_id)
        except ValidationError as exc:
            flash(exc.message, "erro")
            errors = exc.fields
            v = data
        else:
            flash("Mensagem gravada.", "sucesso")
            return redirect(url_for("commercial.message_rules"))
    elif rule is not None:
        v = {"kind": rule.kind, "title": rule.title, "text": rule.text, "priority": rule.priority,
             "threshold_percent": rule.threshold_percent or "",
             "valid_from": rule.valid_from or "", "valid_to": rule.valid_to or "",
             "neighbourhoods": ", ".join(rule.neighbourhoods or []),
             "sector_codes": ", ".join(rule.sector_codes or []), "active": rule.active}
    else:
        v = {"kind": "geral", "priority": 100, "active": True}
    return render_template("commercial/mensagem_form.html", rule=rule, v=v, errors=errors,
                           kinds=MessageKind.labels(), placeholders=PLACEHOLDERS), (
        422 if errors else 200)


# -- parameters and groups --------------------------------------------------------------------

@bp.route("/parametros", methods=["GET", "POST"])
@require("commercial.billing.run")
def edit_parameters():  # type: ignore[no-untyped-def]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {k: request.form.get(k) for k in request.form}
        try:
            billing_parameters.save_parameters(data)
        except ValidationError as exc:
            flash(exc.message, "erro")
            errors = exc.fields
        else:
            flash("Parâmetros gravados.", "sucesso")
            return redirect(url_for("commercial.edit_parameters"))
    return render_template("commercial/parametros.html", p=billing_parameters.parameters(), errors=errors,
                           groups=billing_groups.groups()), (422 if errors else 200)


@bp.route("/grupos", methods=["POST"])
@bp.route("/grupos/<int:group_id>", methods=["POST"])
@require("commercial.billing.run")
def billing_group(group_id: int | None = None):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {k: request.form.get(k) for k in request.form}
    for k in ("bill_water", "bill_sewer", "cut_notice"):
        data[k] = request.form.get(k) == "on"
    g = billing_groups.save_group(data, group_id)
    flash(f"Grupo {g.number} gravado.", "sucesso")
    return redirect(url_for("commercial.edit_parameters"))

