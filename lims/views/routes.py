"""LIMS views: collection routes (build, print sheet and labels, cancel) and the collector's
phone page with its offline-safe sync API."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.views import MethodView
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as MaValidationError
from sqlalchemy import select

from core import fmt
from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import User, require
from core.db import session
from core.errors import ValidationError, error_body, flatten_locations
from core.web import current, query_int, settings
from lims.models.registry import SupplySystem
from lims.services import field_entries, route_labels, route_sheet
from lims.services import routes as svc
from lims.views.blueprints import api, bp
from render import labels

# the phone page's own script and service worker, served locally (no CDN)
assets = Blueprint("lims_campo", __name__, static_folder="../static/lims",
                   static_url_path="/lims/static")



def today() -> dt.date:
    return fmt.today()


def _day(value: str | None) -> dt.date:
    if not value:
        return today()
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
    flash(f"Rota {r.code} cancelada; as amostras voltaram a ficar programadas.", "sucesso")
    return redirect(url_for("lims.route_detail", route_id=route_id))


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


# -- the collector's phone --------------------------------------------------------------------

@bp.route("/campo")
@require("lims.collection.record")
def field_home():  # type: ignore[no-untyped-def]
    me = current()
    since = today() - dt.timedelta(days=1)
    rows = [r for r in svc.list_routes(collector_id=me.id, since=since) if r.state != "cancelada"]
    return render_template("lims/campo_lista.html", rows=sorted(rows, key=lambda r: (r.day, r.code)))


@bp.route("/campo/rota/<int:route_id>")
@require("lims.collection.record")
def field_route(route_id: int):  # type: ignore[no-untyped-def]
    r = svc.get_route(route_id)
    me = current()
    if r.collector_id != me.id and not me.can("lims.routes.manage"):
        abort(403)
    bottles: dict[int, list[str]] = {}
    for row in r.preparation:
        if row.bottles:
            bottles.setdefault(row.sample_id, []).append(
                " ".join(filter(None, [row.bottle_type, row.preservative and f"+ {row.preservative}"])))
    # a fresh key per form: a double tap without JavaScript is still recorded once
    keys = {st.sample_id: secrets.token_urlsafe(16) for st in r.stops}
    return render_template("lims/campo_rota.html", r=r, bottles=bottles, keys=keys,
                           readings=field_entries.READINGS, now=fmt.now_local())


@bp.route("/campo/rota/<int:route_id>/registro", methods=["POST"])
@require("lims.collection.record")
def field_entry(route_id: int):  # type: ignore[no-untyped-def]
    """The same entry without JavaScript (a plain form post)."""
    f = request.form
    tz = fmt.zone()
    collected_at = None
    if f.get("hora"):
        try:
            hh, mm = (int(x) for x in f["hora"].split(":")[:2])
        except ValueError:
            raise ValidationError("Hora inválida.", fields={"hora": ["HH:MM"]}) from None
        local_day = svc.get_route(route_id).day
        collected_at = dt.datetime.combine(local_day, dt.time(hh, mm), tz).isoformat()
    data = {"key": f.get("key", ""), "sample_id": f.get("sample_id", type=int),
            "kind": f.get("kind", ""), "collected_at": collected_at,
            "readings": {k: f.get(k, "") for k in field_entries.READINGS},
            "latitude": f.get("latitude") or None, "longitude": f.get("longitude") or None,
            "reason": " - ".join(filter(None, [f.get("motivo_tipo"), f.get("motivo")]))}
    res = field_entries.record_entry(data, user_id=current().id, data_dir=settings().data_dir)
    if res.status == 200:
        flash(res.body["message"] + (" (já registrado antes)" if res.replay else ""), "sucesso")
    else:
        flash(res.body["error"]["message"], "erro")
    return redirect(url_for("lims.field_route", route_id=route_id))


@bp.route("/campo/sw.js")
@require("lims.collection.record")
def field_service_worker():  # type: ignore[no-untyped-def]
    """The service worker lives under /lims/campo/ so that its scope covers the route pages."""
    resp = send_from_directory(assets.static_folder, "campo-sw.js", mimetype="text/javascript",
                               max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# -- JSON API ---------------------------------------------------------------------------------

class EntryIn(Schema):
    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=validate.Length(8, 80),
                        metadata={"description": "chave de idempotencia gerada no celular"})
    sample_id = fields.Integer(load_default=None)
    code = fields.String(load_default=None)
    kind = fields.String(required=True, validate=validate.OneOf(["coletada", "nao_coletada"]))
    collected_at = fields.String(load_default=None, metadata={"description": "ISO 8601 com fuso"})
    saved_at = fields.String(load_default=None)
    readings = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict)
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    accuracy_m = fields.Float(load_default=None, allow_none=True)
    photo = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "data:image/jpeg;base64,..."})
    reason = fields.String(load_default="")


class SyncIn(Schema):
    # each entry is checked on its own (EntryIn): one malformed entry (latitude "abc", NaN)
    # gets its own 422 answer and never stops the rest of the phone's queue
    entries = fields.List(fields.Dict(), required=True, validate=validate.Length(1, 200),
                          metadata={"description": "registros no formato EntryIn"})


class EntryOut(Schema):
    key = fields.String()
    status = fields.Integer()
    replay = fields.Boolean()
    body = fields.Dict()


class SyncOut(Schema):
    results = fields.List(fields.Nested(EntryOut))


@api.route("/coleta/registros")
class SyncApi(MethodView):
    @operation(api, "lims.collection.record", SyncIn, out=SyncOut)
    def post(self, data):  # type: ignore[no-untyped-def]
        """Envia registros de coleta feitos no celular (idempotente por `key`).

        Cada registro tem resposta própria: `status` 200 aceito; 4xx recusado (definitivo, não
        reenviar). Reenviar a mesma `key` devolve a primeira resposta (`replay`: true) sem
        alterar nada."""
        uid, data_dir = current().id, settings().data_dir
        out = []
        for raw in data["entries"]:
            try:
                entry = EntryIn().load(raw)
            except MaValidationError as exc:
                key = str(raw.get("key") or "")[:80]
                fields_ = flatten_locations(exc.normalized_messages())
                out.append({"key": key, "status": 422, "replay": False, "body": error_body(
                    "dados_invalidos", "Registro recusado: " + "; ".join(
                        f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                        for k, v in fields_.items()), fields_)})
                continue
            res = field_entries.record_entry(entry, user_id=uid, data_dir=data_dir)
            out.append({"key": res.key, "status": res.status, "replay": res.replay, "body": res.body})
        return {"results": out}


@dataclass(frozen=True)
class StopAnswer:
    position: int
    sample_id: int
    code: str
    point_code: str
    point_name: str
    address: str | None
    area: str
    latitude: float | None
    longitude: float | None
    state: str
    outcome: str | None
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class RouteAnswer:
    id: int
    code: str
    day: dt.date
    collector_id: int
    area: str
    state: str
    distance_km: float
    stops: tuple[StopAnswer, ...]


# the answer is dumped through these schemas, derived from the dataclasses above
StopOut = dataclass_schema(StopAnswer, "StopOut")
RouteOut = dataclass_schema(RouteAnswer, "RouteOut", day=fields.Date(),
                            stops=fields.List(fields.Nested(StopOut)))


@api.route("/rotas/<int:route_id>")
class RouteApi(MethodView):
    @operation(api, "lims.collection.record", out=RouteOut)
    def get(self, route_id: int):  # type: ignore[no-untyped-def]
        """Uma rota de coleta com as paradas na ordem de visita."""
        r = svc.get_route(route_id)
        me = current()
        if r.collector_id != me.id and not me.can("lims.routes.manage"):
            abort(403)
        stops = tuple(StopAnswer(
            position=st.position, sample_id=st.sample_id, code=st.sample.code,
            point_code=st.point.code, point_name=st.point.name, address=st.point.address,
            area=st.area, latitude=st.point.latitude, longitude=st.point.longitude,
            state=str(st.sample.state), outcome=st.outcome,
            parameters=tuple(sp.parameter.name for sp in st.sample.parameters)) for st in r.stops)
        return RouteAnswer(id=r.id, code=r.code, day=r.day, collector_id=r.collector_id,
                           area=r.area, state=r.state, distance_km=r.distance_km, stops=stops)
