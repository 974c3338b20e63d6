"""Telemetry views: assets and tags (pages for everyone on staff, edits by a Gestor) and their
JSON API (`/api/v1/telemetria/tags`, `/ativos`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.views import MethodView
from flask_wtf import FlaskForm
from marshmallow import Schema, fields, validate
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core import audit
from core.api_operation import operation
from core.auth import require
from core.errors import DomainError, ValidationError
from core.web import current
from telemetry import services
from telemetry.models.tags import ASSET_KIND_LABELS, QUANTITY_LABELS, AssetKind, Quantity
from telemetry.storage import StoreUnavailable, storage_for
from telemetry.views.blueprints import api, bp


def _latest() -> tuple[dict[str, Any], str | None]:
    """{tag: Reading} and an error message when the store is unreachable."""
    try:
        return storage_for(current_app.config["SAAE_SETTINGS"]).latest_per_tag(), None
    except StoreUnavailable as exc:
        return {}, f"Banco de series temporais indisponível: {exc}"


def chart_endpoint() -> str | None:
    """The 24 h chart page, when the anomalies views provide it."""
    for name in ("telemetry.tag_chart", "telemetry.chart", "telemetry.tag_24h"):
        if name in current_app.view_functions:
            return name
    return None


@bp.route("/")
@bp.route("/tags")
@require("telemetry.tags.view")
def tags():  # type: ignore[no-untyped-def]
    latest, store_error = _latest()
    now = dt.datetime.now(dt.UTC)
    assets = services.list_assets()
    user = current()
    return render_template(
        "telemetry/tags.html", assets=assets, latest=latest, now=now, store_error=store_error,
        kind_labels=ASSET_KIND_LABELS, quantity_labels=QUANTITY_LABELS,
        can_edit=bool(user and user.can("telemetry.tags.edit")), chart=chart_endpoint(),
    )


class TagForm(FlaskForm):
    name = StringField("Nome da tag", validators=[DataRequired(), Length(max=80)])
    asset_code = SelectField("Ativo", validators=[DataRequired()])
    description = StringField("Descrição", validators=[Optional(), Length(max=300)])
    unit = StringField("Unidade", validators=[Optional(), Length(max=20)])
    quantity = SelectField("Grandeza", choices=[(q.value, QUANTITY_LABELS[q]) for q in Quantity])
    expected_period_seconds = IntegerField("Período esperado (s)", default=60,
                                           validators=[DataRequired(), NumberRange(1, 86_400)])
    plausible_min = StringField("Mínimo plausível", validators=[Optional()])
    plausible_max = StringField("Máximo plausível", validators=[Optional()])
    detectors = TextAreaField("Detectores (JSON)", default="{}",
                              render_kw={"rows": 6, "spellcheck": "false"})
    active = BooleanField("Ativa", default=True)
    reason = StringField("Motivo da alteração", validators=[DataRequired(), Length(max=300)])


def _apply_errors(form: FlaskForm, exc: ValidationError) -> None:
    for key, msgs in exc.fields.items():
        field = getattr(form, key, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(msgs)
    if not exc.fields:
        flash(exc.message, "erro")


@bp.route("/tags/nova", methods=["GET", "POST"])
@bp.route("/tags/<path:name>/editar", methods=["GET", "POST"])
@require("telemetry.tags.edit")
def tag_edit(name: str | None = None):  # type: ignore[no-untyped-def]
    """The tag form, new or existing: the detectors are edited as JSON text (parsed here,
    checked by the service) and the plausible range as text, so an empty box clears it; a
    name already in use comes back as an error on the field."""
    tag = services.get_tag(name) if name else None
    form = TagForm(obj=tag)
    form.asset_code.choices = [(a.code, f"{a.code} - {a.name}") for a in services.list_assets()]
    if request.method == "GET":
        if tag is not None:
            form.asset_code.data = tag.asset.code
            form.quantity.data = str(tag.quantity)
            form.plausible_min.data = "" if tag.plausible_min is None else str(tag.plausible_min)
            form.plausible_max.data = "" if tag.plausible_max is None else str(tag.plausible_max)
            form.detectors.data = json.dumps(tag.detectors or {}, indent=2, ensure_ascii=False)
        form.reason.data = ""
    if form.validate_on_submit():
        try:
            detectors = json.loads(form.detectors.data or "{}")
        except ValueError:
            form.detectors.errors = ["JSON inválido."]
        else:
            try:
                with audit.audit_context(reason=form.reason.data.strip()):
                    saved = services.save_tag(
                        tag.name if tag else form.name.data, asset_code=form.asset_code.data,
                        unit=form.unit.data, description=form.description.data,
                        quantity=form.quantity.data,
                        expected_period_seconds=form.expected_period_seconds.data,
                        plausible_min=form.plausible_min.data, plausible_max=form.plausible_max.data,
                        detectors=detectors, active=form.active.data, create=tag is None)
                flash(f"Tag {saved.name} salva.", "sucesso")
                return redirect(url_for("telemetry.tags"))
            except ValidationError as exc:
                _apply_errors(form, exc)
            except Exception as exc:  # Conflict: name already used
                if getattr(exc, "fields", None):
                    _apply_errors(form, exc)  # type: ignore[arg-type]
                else:
                    raise
    return render_template("telemetry/tag_form.html", form=form, tag=tag)


class AssetForm(FlaskForm):
    code = StringField("Código", validators=[DataRequired(), Length(max=40)])
    name = StringField("Nome", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Tipo", choices=[(k.value, ASSET_KIND_LABELS[k]) for k in AssetKind])
    sector_code = StringField("Setor / DMA", validators=[Optional(), Length(max=40)])
    system_code = StringField("Sistema (SAA)", validators=[Optional(), Length(max=40)])
    latitude = StringField("Latitude", validators=[Optional()])
    longitude = StringField("Longitude", validators=[Optional()])
    active = BooleanField("Ativo", default=True)
    reason = StringField("Motivo da alteração", validators=[DataRequired(), Length(max=300)])


@bp.route("/ativos/novo", methods=["GET", "POST"])
@bp.route("/ativos/<code>/editar", methods=["GET", "POST"])
@require("telemetry.tags.edit")
def asset_edit(code: str | None = None):  # type: ignore[no-untyped-def]
    asset = services.get_asset(code) if code else None
    form = AssetForm(obj=asset)
    if request.method == "GET":
        if asset is not None:
            form.kind.data = str(asset.kind)
            form.latitude.data = "" if asset.latitude is None else str(asset.latitude)
            form.longitude.data = "" if asset.longitude is None else str(asset.longitude)
        form.reason.data = ""
    if form.validate_on_submit():
        try:
            with audit.audit_context(reason=form.reason.data.strip()):
                saved = services.save_asset(
                    asset.code if asset else form.code.data, name=form.name.data,
                    kind=form.kind.data, sector_code=form.sector_code.data,
                    system_code=form.system_code.data, latitude=form.latitude.data,
                    longitude=form.longitude.data, active=form.active.data)
            flash(f"Ativo {saved.code} salvo.", "sucesso")
            return redirect(url_for("telemetry.tags"))
        except ValidationError as exc:
            _apply_errors(form, exc)
    return render_template("telemetry/asset_form.html", form=form, asset=asset)


# ---------------------------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------------------------


class ReadingSchema(Schema):
    ts = fields.DateTime(required=True)
    value = fields.Float(required=True)
    quality = fields.String(required=True)
    status = fields.Integer(metadata={"description": "código de status OPC UA da origem "
                                                     "(0 = Good; 0 também quando não ha)"})


class TagSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    asset_code = fields.String(required=True)
    description = fields.String(load_default="")
    unit = fields.String(load_default="", validate=validate.Length(max=20))
    quantity = fields.String(load_default="outro",
                             validate=validate.OneOf([q.value for q in Quantity]))
    expected_period_seconds = fields.Integer(load_default=60, validate=validate.Range(1, 86_400))
    plausible_min = fields.Float(load_default=None, allow_none=True)
    plausible_max = fields.Float(load_default=None, allow_none=True)
    detectors = fields.Dict(load_default=dict)
    active = fields.Boolean(load_default=True)


class TagOutSchema(TagSchema):
    asset_kind = fields.String()
    sector_code = fields.String(allow_none=True)
    last = fields.Nested(ReadingSchema, allow_none=True)


class TagUpdateSchema(TagSchema):
    name = fields.String(dump_only=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=300))


class TagCreateSchema(TagSchema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=300))


class WindowArgs(Schema):
    inicio = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    fim = fields.AwareDateTime(required=True, default_timezone=dt.UTC)


def _tag_out(tag: Any, last: Any) -> dict[str, Any]:
    return {
        "name": tag.name, "asset_code": tag.asset.code, "asset_kind": str(tag.asset.kind),
        "sector_code": tag.asset.sector_code, "description": tag.description, "unit": tag.unit,
        "quantity": str(tag.quantity), "expected_period_seconds": tag.expected_period_seconds,
        "plausible_min": tag.plausible_min, "plausible_max": tag.plausible_max,
        "detectors": tag.detectors or {}, "active": tag.active,
        "last": {"ts": last.ts, "value": last.value, "quality": last.quality} if last else None,
    }


def _save(name: str, data: dict[str, Any], create: bool) -> dict[str, Any]:
    """Create or change a tag from the API, audited with the request's reason."""
    with audit.audit_context(reason=data.pop("reason")):
        tag = services.save_tag(name, create=create, **data)
    return _tag_out(tag, None)


@api.route("/tags")
class TagsApi(MethodView):
    @operation(api, "telemetry.tags.view", out=TagOutSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Tags com o último valor de cada uma."""
        latest, _err = _latest()
        return [_tag_out(t, latest.get(t.name)) for t in services.list_tags()]

    @operation(api, "telemetry.tags.edit", TagCreateSchema, status=201, out=TagOutSchema)
    def post(self, data):  # type: ignore[no-untyped-def]
        """Cadastra uma tag (Gestor; auditado com o motivo)."""
        return _save(data.pop("name"), data, create=True)


@api.route("/tags/<path:name>")
class TagApi(MethodView):
    @operation(api, "telemetry.tags.view", out=TagOutSchema)
    def get(self, name):  # type: ignore[no-untyped-def]
        """Uma tag e seu último valor."""
        tag = services.get_tag(name)
        try:
            last = storage_for(current_app.config["SAAE_SETTINGS"]).last(name)
        except StoreUnavailable:
            last = None
        return _tag_out(tag, last)

    @operation(api, "telemetry.tags.edit", TagUpdateSchema, out=TagOutSchema)
    def put(self, data, name):  # type: ignore[no-untyped-def]
        """Altera uma tag (Gestor; auditado com o motivo)."""
        return _save(name, data, create=False)


@api.route("/tags/<path:name>/leituras")
class TagReadingsApi(MethodView):
    @operation(api, "telemetry.tags.view", WindowArgs, location="query",
               out=ReadingSchema(many=True))
    def get(self, args, name):  # type: ignore[no-untyped-def]
        """Leituras de uma tag em [inicio, fim), mais antigas primeiro (ate 31 dias)."""
        services.get_tag(name)
        start, end = args["inicio"], args["fim"]
        if end <= start or end - start > dt.timedelta(days=31):
            raise ValidationError("Intervalo inválido: fim depois do início, até 31 dias.",
                                  fields={"fim": ["Intervalo inválido."]})
        try:
            rows = storage_for(current_app.config["SAAE_SETTINGS"]).read_window(name, start, end)
        except StoreUnavailable as exc:
            raise DomainError(f"Banco de series temporais indisponível: {exc}",
                              code="armazenamento_indisponivel", status=503) from exc
        return [{"ts": r.ts, "value": r.value, "quality": r.quality, "status": r.status}
                for r in rows]


class AssetSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in AssetKind]))
    sector_code = fields.String(allow_none=True)
    system_code = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    active = fields.Boolean()
    tags = fields.List(fields.String(), dump_only=True)


@api.route("/ativos")
class AssetsApi(MethodView):
    @operation(api, "telemetry.tags.view", out=AssetSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Ativos monitorados (ETA, pocos, elevatorias, reservatorios, setores)."""
        return [{"code": a.code, "name": a.name, "kind": str(a.kind), "sector_code": a.sector_code,
                 "system_code": a.system_code, "latitude": a.latitude, "longitude": a.longitude,
                 "active": a.active, "tags": [t.name for t in a.tags]}
                for a in services.list_assets()]


