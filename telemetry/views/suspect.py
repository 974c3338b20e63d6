"""A suspect analyser (issue 18: the lab keeps disagreeing with it) is trusted again by a
Gestor after its calibration, with a reason (audited); the monitor then runs all its
detectors again."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from core.auth import require
from core.errors import ValidationError
from telemetry import api as telemetry_api
from telemetry.views.blueprints import bp


@bp.route("/tags/<path:name>/confiavel", methods=["POST"])
@require("telemetry.tags.edit")
def tag_trusted(name: str):  # type: ignore[no-untyped-def]
    reason = request.form.get("motivo", "").strip()
    if len(reason) < 10:
        raise ValidationError("Informe o motivo (por exemplo, a OS de calibração), com ao menos "
                              "10 caracteres.", fields={"motivo": ["obrigatório"]})
    if telemetry_api.clear_suspect(name, reason):
        flash(f"A tag {name} voltou a ser usada pela detecção.", "sucesso")
    return redirect(url_for("telemetry.tag_edit", name=name))
