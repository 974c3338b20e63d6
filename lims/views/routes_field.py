"""LIMS views: the collector's phone: the day's routes, a route's stops and their entry (a
plain form post without JavaScript), the service worker, and the offline-safe sync API the
phone's queue posts to."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask.views import MethodView
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as MaValidationError

from core import fmt
from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import require
from core.errors import ValidationError, error_body, flatten_locations
from core.web import current, settings
from lims.models.routes import Route
from lims.services import field_entries
from lims.services import routes as svc
from lims.views.blueprints import api, assets, bp

# -- the collector's phone --------------------------------------------------------------------

def _own_route(route_id: int) -> Route:
    """The route, when it is the user's own or the user manages routes (403 otherwise)."""
    r = svc.get_route(route_id)
    me = current()
    if r.collector_id != me.id and not me.can("lims.routes.manage"):
        abort(403)
    return r


@bp.route("/campo")
@require("lims.collection.record")
def field_home():  # type: ignore[no-untyped-def]
    me = current()
    since = fmt.today() - dt.timedelta(days=1)
    rows = [r for r in svc.list_routes(collector_id=me.id, since=since) if r.state != "cancelada"]
    return render_template("lims/campo_lista.html", rows=sorted(rows, key=lambda r: (r.day, r.code)))


@bp.route("/campo/rota/<int:route_id>")
@require("lims.collection.record")
def field_route(route_id: int):  # type: ignore[no-untyped-def]
    r = _own_route(route_id)
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
        r = _own_route(route_id)
        stops = tuple(StopAnswer(
            position=st.position, sample_id=st.sample_id, code=st.sample.code,
            point_code=st.point.code, point_name=st.point.name, address=st.point.address,
            area=st.area, latitude=st.point.latitude, longitude=st.point.longitude,
            state=str(st.sample.state), outcome=st.outcome,
            parameters=tuple(sp.parameter.name for sp in st.sample.parameters)) for st in r.stops)
        return RouteAnswer(id=r.id, code=r.code, day=r.day, collector_id=r.collector_id,
                           area=r.area, state=r.state, distance_km=r.distance_km, stops=stops)
