"""LIMS views: the QC registry (issue 20 part 2): reference materials, the QC acceptance per
method and the worksheet templates, managed by a Supervisor or Gestor. Each form shows the
service's pt-BR messages beside its fields; records are deactivated, never deleted."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from flask import flash, render_template, request

from core import fmt
from core.auth import require
from core.errors import ValidationError
from core.web import current, done
from lims.models.worksheets import ReferenceMaterial
from lims.services import methods as methods_svc
from lims.services import qc_registry as svc
from lims.services.qc import DEFAULT_RPD
from lims.views.blueprints import bp

QC_ROWS = 6  # QC lines offered on the template form (blank, duplicates, standards)


def _methods() -> dict[int, str]:
    return {m.id: f"{m.code} - {m.name}" for m in methods_svc.methods()}


def _submitted(save: Callable[..., Any], values: dict[str, Any], endpoint: str, key: str | None,
               message: str) -> tuple[Any, dict[str, Any], dict[str, list[str]]]:
    """A form's POST: `save(typed values, user_id=, reason=)`, then flash `message` and redirect
    to `endpoint` (the saved record's id as `key`, when given); on a ValidationError flash it
    and return the typed values with the per-field messages to show beside the fields.
    On a GET: no redirect, the record's `values` as they are, no messages."""
    if request.method != "POST":
        return None, values, {}
    values = request.form.to_dict()
    try:
        obj = save(values, user_id=current().id, reason=request.form.get("motivo", ""))
    except ValidationError as exc:
        flash(exc.message, "erro")
        return None, values, exc.fields
    return done(message, endpoint, **({key: obj.id} if key else {})), values, {}


@bp.route("/materiais-referencia")
@require("lims.methods.manage")
def material_list():  # type: ignore[no-untyped-def]
    return render_template("lims/materiais_referencia.html", rows=svc.materials(),
                           methods=_methods(), today=fmt.today())


def _plain(value: Decimal) -> str:
    """A number as typed back into the form (decimal comma, no thousands separator)."""
    return format(value.normalize(), "f").replace(".", ",")


def _material_values(rm: ReferenceMaterial | None) -> dict[str, Any]:
    if rm is None:
        return {"ativo": True}
    return {"codigo": rm.code, "nome": rm.name, "metodo": str(rm.method_id), "lote": rm.lot,
            "valor": _plain(rm.certified_value), "tolerancia": _plain(rm.tolerance),
            "unidade": rm.unit, "validade": rm.expires_on.isoformat(), "fornecedor": rm.supplier,
            "ativo": rm.active}


@bp.route("/materiais-referencia/novo", methods=["GET", "POST"])
@bp.route("/materiais-referencia/<int:material_id>", methods=["GET", "POST"])
@require("lims.methods.manage")
def material_form(material_id: int | None = None):  # type: ignore[no-untyped-def]
    rm = svc.material(material_id) if material_id is not None else None
    done, values, errors = _submitted(partial(svc.save_material, material_id=material_id),
                                      _material_values(rm), "lims.material_form", "material_id",
                                      "Material de referência salvo.")
    if done is not None:
        return done
    return render_template("lims/material_referencia.html", rm=rm, values=values, errors=errors,
                           methods=_methods(), today=fmt.today())


@bp.route("/controle-qualidade/metodos", methods=["GET", "POST"])
@require("lims.methods.manage")
def qc_settings():  # type: ignore[no-untyped-def]
    """One row per method: the duplicate limit and the blank rule, saved one method at a time."""
    raw = request.form.get("metodo", "")
    method_id = int(raw) if raw.isdigit() else 0
    done, posted, errors = _submitted(partial(svc.save_setting, method_id), {}, "lims.qc_settings",
                                      None, "Controle de qualidade do método salvo.")
    if done is not None:
        return done
    return render_template("lims/cq_metodos.html", methods=methods_svc.methods(),
                           settings=svc.settings_by_method(), rules=svc.BLANK_RULES, errors=errors,
                           posted={**posted, "metodo": str(method_id)} if posted else {},
                           default_rpd=DEFAULT_RPD)


@bp.route("/modelos-planilha")
@require("lims.methods.manage")
def template_list():  # type: ignore[no-untyped-def]
    return render_template("lims/modelos_planilha.html", rows=svc.templates(), methods=_methods(),
                           kinds=svc.QC_KINDS)


@bp.route("/modelos-planilha/novo", methods=["GET", "POST"])
@bp.route("/modelos-planilha/<int:template_id>", methods=["GET", "POST"])
@require("lims.methods.manage")
def template_form(template_id: int | None = None):  # type: ignore[no-untyped-def]
    t = svc.template(template_id) if template_id is not None else None
    done, values, errors = _submitted(
        partial(svc.save_template, template_id=template_id),
        svc.form_of_template(t) if t else {"ativo": True, "amostras": "20"},
        "lims.template_form", "template_id", "Modelo de planilha salvo.")
    if done is not None:
        return done
    rows = max(QC_ROWS, len(svc.layout_rows(values)) + 2)
    return render_template("lims/modelo_planilha.html", t=t, values=values, errors=errors,
                           methods=_methods(), kinds=svc.QC_KINDS, qc_rows=rows,
                           materials=[m for m in svc.materials() if m.active])
