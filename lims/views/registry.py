"""LIMS views: the registry and the parameter catalogue, edited by a Gestor on screen (every
change audited with a reason), the unverified-VMP badge and its confirmation, point photos and
upstream/downstream neighbours."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from core.auth import require
from core.errors import ValidationError
from core.web import current, form_ids, settings
from lims.services import registry
from lims.services.photos import check_photo
from lims.services.registry import neighbours_map
from lims.views.blueprints import bp


def _display(rec, name: str, fk_names: dict[str, dict[str, str]]) -> str:  # type: ignore[no-untyped-def]
    v = getattr(rec, name, None)
    if name in fk_names:
        return fk_names[name].get(str(v), "") if v is not None else ""
    if isinstance(v, bool):
        return "sim" if v else "nao"
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return "" if v is None else str(v)


@bp.route("/cadastros")
@require("lims.registry.view")
def registry_home():  # type: ignore[no-untyped-def]
    counts = {k: len(registry.records(k)) for k in registry.ENTITIES}
    unverified = [p for p in registry.records("parametros") if p.unverified]
    return render_template("lims/cadastros.html", entities=registry.ENTITIES, counts=counts,
                           expiring=registry.expiring_licenses(dt.date.today()),
                           unverified=len(unverified), today=dt.date.today())


@bp.route("/cadastros/<key>")
@require("lims.registry.view")
def registry_list(key: str):  # type: ignore[no-untyped-def]
    e = registry.entity(key)
    q = request.args.get("q", "").strip()
    rows = registry.records(key, q=q)
    if key == "parametros" and request.args.get("nao_verificados"):
        rows = [r for r in rows if r.unverified]
    fk_names = {f.name: registry.field_choices(f) for f in e.fields
                if f.kind in ("fk", "choice") and f.name in e.list_fields}
    labels = {f.name: f.label for f in e.fields}
    labels["standard_text"] = "VMP"
    labels["limit_text"], labels["scope_text"] = "Limite", "Onde se aplica"
    table = [(r, [_display(r, n, fk_names) for n in e.list_fields]) for r in rows]
    user = current()
    return render_template("lims/cadastro_lista.html", e=e, table=table, q=q,
                           labels=labels, can_edit=user.can("lims.registry.edit"))


def _form_values(e) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out: dict[str, object] = {}
    for f in e.fields:
        if f.kind == "bool":
            out[f.name] = f.name in request.form
        elif f.name in request.form:
            out[f.name] = request.form.get(f.name, "")
    return out


@bp.route("/cadastros/<key>/novo", methods=["GET", "POST"])
@bp.route("/cadastros/<key>/<int:record_id>", methods=["GET", "POST"])
@require("lims.registry.edit")
def registry_form(key: str, record_id: int | None = None):  # type: ignore[no-untyped-def]
    e = registry.entity(key)
    rec = registry.record(key, record_id) if record_id is not None else None
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    if request.method == "POST":
        values = _form_values(e)
        try:
            rec = registry.save(key, values, record_id=record_id, user_id=current().id,
                                reason=request.form.get("motivo", ""))
            flash(f"{e.singular.capitalize()} salvo(a).", "sucesso")
            return redirect(url_for("lims.registry_form", key=key, record_id=rec.id))
        except ValidationError as exc:
            errors = exc.fields
            flash(exc.message, "erro")
    elif rec is not None:
        for f in e.fields:
            v = getattr(rec, f.name)
            values[f.name] = (", ".join(v) if isinstance(v, list) else
                              v.isoformat() if isinstance(v, dt.date) else
                              "" if v is None else v)
    else:
        values = {"active": True, "own": True}
    choices = {f.name: registry.field_choices(f) for f in e.fields if f.kind in ("fk", "choice")}
    extra = {}
    if key == "pontos" and rec is not None:
        up, down = neighbours_map([rec.id])[rec.id]
        extra = {"upstream": up, "downstream": down,
                 "siblings": [p for p in registry.records("pontos", system_id=rec.system_id)
                              if p.id != rec.id]}
    return render_template("lims/cadastro_form.html", e=e, rec=rec, values=values,
                           errors=errors, choices=choices, **extra)


@bp.route("/cadastros/parametros/<int:record_id>/confirmar", methods=["POST"])
@require("lims.catalogue.confirm")
def parameter_confirm(record_id: int):  # type: ignore[no-untyped-def]
    p = registry.confirm_parameter(record_id, user_id=current().id,
                                   reason=request.form.get("motivo", ""))
    flash(f"VMP de {p.name} confirmado.", "sucesso")
    return redirect(request.referrer or url_for("lims.registry_list", key="parametros"))


@bp.route("/cadastros/pontos/<int:record_id>/vizinhos", methods=["POST"])
@require("lims.registry.edit")
def point_neighbours(record_id: int):  # type: ignore[no-untyped-def]
    registry.set_neighbours(record_id, upstream=form_ids("montante"), downstream=form_ids("jusante"),
                            user_id=current().id, reason=request.form.get("motivo", ""))
    flash("Vizinhos do ponto atualizados.", "sucesso")
    return redirect(url_for("lims.registry_form", key="pontos", record_id=record_id))


@bp.route("/cadastros/pontos/<int:record_id>/fotos", methods=["POST"])
@require("lims.registry.edit")
def point_photo_upload(record_id: int):  # type: ignore[no-untyped-def]
    f = request.files.get("foto")
    data = f.read() if f else b""
    if not data:
        raise ValidationError("Envie uma foto JPEG ou PNG.", fields={"foto": ["JPEG ou PNG"]})

    ext = check_photo(data)
    rel = Path("lims") / "pontos" / f"{hashlib.sha256(data).hexdigest()}{ext}"
    target = Path(settings().data_dir) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    registry.add_point_photo(record_id, str(rel), user_id=current().id)
    flash("Foto adicionada.", "sucesso")
    return redirect(url_for("lims.registry_form", key="pontos", record_id=record_id))


@bp.route("/cadastros/pontos/<int:record_id>/fotos/<int:n>")
@require("lims.registry.view")
def point_photo(record_id: int, n: int):  # type: ignore[no-untyped-def]
    p = registry.record("pontos", record_id)
    photos = list(p.photos or [])
    if not 0 <= n < len(photos):
        abort(404)
    # resolved: Flask reads a relative path from the package folder, not the working directory
    # (the default SAAE_DATA_DIR is the relative "var")
    path = (Path(settings().data_dir) / photos[n]).resolve()
    if not path.is_file():
        abort(404)
    return send_file(path)
