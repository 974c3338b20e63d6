"""Telemetry views: the ingester's health (page and API) and the simulator's event injection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.api_operation import operation
from core.api_schemas import dataclass_schema
from core.auth import require
from core.errors import DomainError, ValidationError
from core.web import current
from telemetry import services
from telemetry.demo.control import send_control, validate_event
from telemetry.demo.scada import current_plant
from telemetry.demo.sim_model import EVENT_KINDS, SimEvent
from telemetry.demo.tags import TAGS
from telemetry.storage import StoreHealth, storage_for
from telemetry.views.blueprints import api, bp

DEAD_LABELS = {
    "tag_desconhecida": "tag não cadastrada",
    "tag_invalida": "nome de tag vazio ou com mais de 80 caracteres",
    "valor_invalido": "valor não numérico, NaN ou infinito",
    "data_fora_da_janela": "data/hora fora da janela aceita em torno de agora",
    "recusada_pelo_banco": "recusada pelo banco de séries temporais",
}


def health() -> dict[str, Any]:
    """What the page and the API show: store, ingester, connectors, in-process simulator."""
    settings = current_app.config["SAAE_SETTINGS"]
    store = storage_for(settings).health()
    states = services.connector_states()
    now = dt.datetime.now(dt.UTC)
    ingester = next((s for s in states if s.kind == "ingester"), None)
    alive = services.ingester_alive(states, now)
    feeder = current_app.extensions.get("telemetry_simulator")
    stats = ingester.stats if ingester else {}
    demo = feeder is not None and feeder.is_alive() and not alive
    return {
        "store": store,
        "ingester": {
            "running": alive,
            "state": ingester.state if ingester else "nunca executado",
            "updated_at": ingester.updated_at if ingester else None,
            "readings_per_s": round(feeder.rate(), 1) if demo else stats.get("readings_per_s", 0.0),
            "buffer_depth": stats.get("buffer_depth", 0),
            "buffer_segments": stats.get("buffer_segments", 0),
            "stored_total": feeder.written if demo else stats.get("stored_total", 0),
            "dropped_total": stats.get("dropped_total", 0),
            "last_error": ingester.last_error if ingester else None,
            # readings set aside before or by the store, with the reason (telemetry.ingest)
            "dead_letter": {
                "total": (stats.get("dead_letter") or {}).get("total", 0),
                "by_reason": [{"reason": k, "label": DEAD_LABELS.get(k, k), "count": v}
                              for k, v in sorted(((stats.get("dead_letter") or {})
                                                  .get("por_motivo") or {}).items())],
                "last": [{"tag": r.get("tag", ""), "ts": r.get("ts", ""), "value": r.get("value", ""),
                          "reason": DEAD_LABELS.get(r.get("reason", ""), r.get("reason", "")),
                          "detail": r.get("detail", "")}
                         for r in (stats.get("dead_letter") or {}).get("ultimas", [])],
            },
        },
        "connectors": [
            {"name": s.name, "kind": s.kind, "state": s.state if alive else "desconhecido",
             "since": s.since, "last_reading_at": s.last_reading_at,
             "readings_total": s.readings_total, "rejected_total": s.rejected_total,
             "last_error": s.last_error, "restarts": (s.stats or {}).get("restarts", 0),
             "rejects": (s.stats or {}).get("rejects", [])}
            for s in states if s.kind != "ingester"
        ],
        "simulator": {"running": feeder is not None and feeder.is_alive(),
                      "written": getattr(feeder, "written", 0),
                      "events": feeder.plant.active_events(now) if feeder else []},
    }


def inject_event(kind: str, target: str, minutes: float | None) -> str:
    """Into the in-process simulator (`saae demo`) or, failing that, over MQTT to
    `saae simulate` running elsewhere. Returns where it went (pt-BR)."""
    problems = validate_event(kind, target)
    if problems:
        raise ValidationError("Evento inválido.", fields={"tipo" if "tipo" in p else "alvo": [p]
                                                          for p in problems})
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise ValidationError("Duração entre 1 minuto e 24 horas.",
                              fields={"duracao_min": ["Entre 1 e 1440 minutos."]})
    plant = current_plant()
    duration = dt.timedelta(minutes=minutes) if minutes else None
    if plant is not None:
        plant.inject(kind, target, dt.datetime.now(dt.UTC), duration)
        return "simulador desta instancia"
    try:
        send_control(current_app.config["SAAE_SETTINGS"].mqtt_url,
                     {"acao": "injetar", "tipo": kind, "alvo": target,
                      "duracao_s": duration.total_seconds() if duration else None})
    except OSError as exc:
        raise DomainError("Simulador inacessível (broker MQTT fora do ar).",
                          code="simulador_inacessivel", status=503) from exc
    return "simulador via MQTT"


@bp.route("/coletor")
@require("telemetry.ingest.view")
def ingest_health():  # type: ignore[no-untyped-def]
    user = current()
    targets = sorted({t.asset_code for t in TAGS}) + sorted(t.name for t in TAGS)
    return render_template("telemetry/coletor.html", h=health(), event_kinds=EVENT_KINDS,
                           targets=targets,
                           can_inject=bool(user and user.can("telemetry.simulator.inject")))


@bp.route("/simulador/eventos", methods=["POST"])
@require("telemetry.simulator.inject")
def simulator_inject():  # type: ignore[no-untyped-def]
    raw = (request.form.get("duracao_min") or "").strip()
    try:
        minutes = float(raw.replace(",", ".")) if raw else None
        where = inject_event(request.form.get("tipo", ""), request.form.get("alvo", ""), minutes)
        flash(f"Evento injetado no {where}.", "sucesso")
    except ValueError:
        flash("Duração inválida: informe minutos.", "erro")
    except DomainError as exc:
        detail = "; ".join(m for msgs in exc.fields.values() for m in msgs)
        flash(f"{exc.message} {detail}".strip(), "erro")
    return redirect(url_for("telemetry.ingest_health"))


# ---------------------------------------------------------------------------------------------


# the store's and the simulator events' answers dump the dataclasses themselves
StoreSchema = dataclass_schema(StoreHealth, "StoreSchema")


class DeadReasonSchema(Schema):
    reason = fields.String()
    label = fields.String()
    count = fields.Integer()


# a reading set aside, as the page lists it: every field is text
DeadReadingSchema = Schema.from_dict(
    {name: fields.String() for name in ("tag", "ts", "value", "reason", "detail")},
    name="DeadReadingSchema")


class DeadLetterSchema(Schema):
    total = fields.Integer()
    by_reason = fields.List(fields.Nested(DeadReasonSchema))
    last = fields.List(fields.Nested(DeadReadingSchema))


# the ingester's block of health(): its state and rate, then its four counters (disk buffer
# depth and segments, readings stored, readings dropped)
IngesterSchema = Schema.from_dict({
    "dead_letter": fields.Nested(DeadLetterSchema), "running": fields.Boolean(),
    "state": fields.String(), "updated_at": fields.DateTime(allow_none=True),
    "readings_per_s": fields.Float(),
    **{name: fields.Integer()
       for name in ("buffer_depth", "buffer_segments", "stored_total", "dropped_total")},
    "last_error": fields.String(allow_none=True),
}, name="IngesterSchema")


ConnectorSchema = Schema.from_dict({
    "name": fields.String(), "kind": fields.String(), "state": fields.String(),
    "since": fields.DateTime(allow_none=True), "last_reading_at": fields.DateTime(allow_none=True),
    "readings_total": fields.Integer(), "rejected_total": fields.Integer(),
    "last_error": fields.String(allow_none=True), "restarts": fields.Integer(),
    "rejects": fields.List(fields.String()),
}, name="ConnectorSchema")


SimEventSchema = dataclass_schema(SimEvent, "SimEventSchema", start=fields.DateTime(),
                                  end=fields.DateTime(allow_none=True))


class SimulatorSchema(Schema):
    running = fields.Boolean()
    written = fields.Integer()
    events = fields.List(fields.Nested(SimEventSchema))


class HealthSchema(Schema):
    store = fields.Nested(StoreSchema)
    ingester = fields.Nested(IngesterSchema)
    connectors = fields.List(fields.Nested(ConnectorSchema))
    simulator = fields.Nested(SimulatorSchema)


class InjectSchema(Schema):
    tipo = fields.String(required=True, validate=validate.OneOf(list(EVENT_KINDS)))
    alvo = fields.String(required=True, validate=validate.Length(min=1, max=80))
    duracao_min = fields.Float(load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=1440))


class InjectedSchema(Schema):
    destino = fields.String()


@api.route("/coletor/saude")
class HealthApi(MethodView):
    @operation(api, "telemetry.ingest.view", out=HealthSchema)
    def get(self):  # type: ignore[no-untyped-def]
        """Saude do coletor: banco, leituras/s, profundidade do buffer, estado dos conectores."""
        return health()


@api.route("/simulador/eventos")
class InjectApi(MethodView):
    @operation(api, "telemetry.simulator.inject", InjectSchema, status=202, out=InjectedSchema)
    def post(self, data):  # type: ignore[no-untyped-def]
        """Injeta um evento no simulador SCADA (rompimento, turbidez, cloro, travado,
        comunicacao, parada_eta)."""
        return {"destino": inject_event(data["tipo"], data["alvo"], data.get("duracao_min"))}
