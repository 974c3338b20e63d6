"""LIMS views: reception at the lab (USB scanner as a keyboard, typed code or a photo of the
labels) and distribution of the received samples to analysts or a contracted lab."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, post_load, validate
from marshmallow import ValidationError as MaValidationError

from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import require
from core.errors import ValidationError
from core.web import current, form_ids
from lims.services import lab_checks
from lims.services import reception as svc
from lims.services import routes as route_svc
from lims.views.blueprints import api, bp


def _temperature() -> str:
    """The cooler's temperature stays on the screen between scans (one box, many samples)."""
    t = request.form.get("temperatura", "").strip()
    session["recepcao_temp"] = t
    return t


@bp.route("/recepcao")
@require("lims.reception.receive")
def reception_page():  # type: ignore[no-untyped-def]
    last = session.pop("recepcao_ultimo", None)
    rows = svc.received_recently(user_id=current().id)
    return render_template("lims/recepcao.html", last=last,
                           temperature=session.get("recepcao_temp", ""), rows=rows,
                           left=lab_checks.time_left([r.sample_id for r in rows]))  # issue 20


@bp.route("/recepcao", methods=["POST"])
@require("lims.reception.receive")
def reception_post():  # type: ignore[no-untyped-def]
    """Without JavaScript: one code per post, then back to the screen (post/redirect/get)."""
    temp = _temperature()
    out = svc.receive_many([request.form.get("codigo", "")], user_id=current().id,
                           arrival_temperature=temp)
    session["recepcao_ultimo"] = _with_alerts(out)
    return redirect(url_for("lims.reception_page"))


def _with_alerts(out) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Issue 20: a sample received out of its temperature range is said so at the scan."""
    left = lab_checks.time_left([o.received.sample_id for o in out if o.received])
    return [{"ok": o.ok, "message": o.message + (
        f" Atenção: {t.temperature_alert}; os resultados ficarão retidos para o Supervisor."
        if o.received and (t := left.get(o.received.sample_id)) and t.temperature_alert else "")}
        for o in out]


@bp.route("/recepcao/foto", methods=["POST"])
@require("lims.reception.receive")
def reception_photo():  # type: ignore[no-untyped-def]
    temp = _temperature()
    f = request.files.get("foto")
    if not f or not f.filename:
        raise ValidationError("Escolha a foto das etiquetas.", fields={"foto": ["obrigatorio"]})
    out = svc.receive_photo(f.read(), user_id=current().id, arrival_temperature=temp)
    session["recepcao_ultimo"] = [{"ok": o.ok, "message": o.message} for o in out]
    return redirect(url_for("lims.reception_page"))


@bp.route("/distribuicao")
@require("lims.distribution.assign")
def distribution():  # type: ignore[no-untyped-def]
    only = request.args.get("todas") != "1"
    listed = svc.awaiting_distribution(unassigned_only=only)
    rows = svc.views_of(listed)
    samples = {s.id: s for s in listed}
    labs = svc.laboratories()
    users = route_svc.users_by_id(s.assigned_analyst_id for s in samples.values())
    return render_template("lims/distribuicao.html", rows=rows, samples=samples, only=only,
                           analysts=svc.analysts(), labs=labs, labs_by_id={x.id: x for x in labs},
                           users=users)


@bp.route("/distribuicao", methods=["POST"])
@require("lims.distribution.assign")
def distribution_post():  # type: ignore[no-untyped-def]
    ids = form_ids("amostra")
    dest = request.form.get("destino", "")
    analyst_id = int(dest[2:]) if dest.startswith("a:") and dest[2:].isdigit() else None
    lab_id = int(dest[2:]) if dest.startswith("l:") and dest[2:].isdigit() else None
    done = svc.distribute(ids, user_id=current().id, analyst_id=analyst_id, lab_id=lab_id,
                          reason=request.form.get("motivo", ""))
    flash(f"{len(done)} amostra(s) distribuída(s).", "sucesso")
    return redirect(url_for("lims.distribution"))


# -- JSON API ---------------------------------------------------------------------------------

class ReceptionIn(Schema):
    """English field names like the answer (`code`, `temperature`); the first version's
    `codigo` / `temperatura` are still accepted."""

    code = fields.String(validate=validate.Length(1, 80),
                         metadata={"description": "código de barras da amostra (obrigatório)"})
    temperature = fields.String(load_default=None, allow_none=True,
                                metadata={"description": "temperatura de chegada, °C (ex.: 4,5)"})
    codigo = fields.String(load_only=True, validate=validate.Length(1, 80),
                           metadata={"deprecated": True, "description": "nome antigo de `code`"})
    temperatura = fields.String(load_only=True, allow_none=True,
                                metadata={"deprecated": True,
                                          "description": "nome antigo de `temperature`"})

    @post_load
    def _old_names(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        old_code, old_temp = data.pop("codigo", None), data.pop("temperatura", None)
        data["code"] = data.get("code") or old_code
        if data.get("temperature") is None:
            data["temperature"] = old_temp
        if not data["code"]:
            raise MaValidationError({"code": ["Missing data for required field."]})
        return data


# dumps the service's Received; the fields whose JSON form is not the default say how
ReceivedOut = dataclass_schema(
    svc.Received, "ReceivedOut", collected_at=fields.DateTime(allow_none=True),
    received_at=fields.DateTime(allow_none=True),
    arrival_temperature=fields.Decimal(allow_none=True, as_string=True))


@api.route("/recepcao")
class ReceptionApi(MethodView):
    @operation(api, "lims.reception.receive", ReceptionIn, out=ReceivedOut)
    def post(self, data):  # type: ignore[no-untyped-def]
        """Recebe uma amostra pelo código de barras: COLETADA -> AGUARDANDO ANALISE.

        Codigo desconhecido: 404 `codigo_desconhecido`; segunda leitura: 409 `ja_recebida`;
        estado errado: 409 `amostra_nao_coletada` / `amostra_cancelada`. Nada e alterado."""
        return svc.receive(data["code"], user_id=current().id,
                           arrival_temperature=data["temperature"])


class DistributionIn(Schema):
    amostras = fields.List(fields.Integer(), required=True, validate=validate.Length(1, 1000))
    analista_id = fields.Integer(load_default=None, allow_none=True)
    laboratorio_id = fields.Integer(load_default=None, allow_none=True)
    motivo = fields.String(load_default="")


class DistributionOut(Schema):
    distribuidas = fields.List(fields.String())


@api.route("/distribuicao")
class DistributionApi(MethodView):
    @operation(api, "lims.distribution.assign", DistributionIn, out=DistributionOut)
    def post(self, data):  # type: ignore[no-untyped-def]
        """Distribui amostras recebidas para um analista ou um laboratorio (tudo ou nada)."""
        done = svc.distribute(data["amostras"], user_id=current().id,
                              analyst_id=data["analista_id"], lab_id=data["laboratorio_id"],
                              reason=data["motivo"])
        return {"distribuidas": [s.code for s in done]}
