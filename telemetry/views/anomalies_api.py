"""Telemetry JSON API: /api/v1/telemetria/anomalias (list, one, acknowledge, close)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core.auth import require
from core.web import current
from telemetry import monitor
from telemetry.detection import KIND_LABELS
from telemetry.models.anomalies import AnomalyState
from telemetry.views.blueprints import api


def _maybe(field: type[fields.Field]) -> fields.Field:
    return field(allow_none=True)


# one anomaly as the API shows it (the order is the JSON's)
AnomalyOutSchema = Schema.from_dict({
    "id": fields.Integer(), "tag": fields.String(), "asset_code": fields.String(),
    "sector_code": _maybe(fields.String), "kind": fields.String(), "kind_label": fields.String(),
    "severity": fields.String(), "state": fields.String(), "process": fields.Boolean(),
    "started_at": fields.DateTime(), "ended_at": _maybe(fields.DateTime),
    "last_seen_at": fields.DateTime(),
    "value": fields.Float(allow_none=True), "message": fields.String(),
    "acknowledged_at": _maybe(fields.DateTime), "acknowledged_by": _maybe(fields.String),
    "note": _maybe(fields.String), "evidence": fields.Dict(),
}, name="AnomalyOutSchema")


class AnomalyListArgs(Schema):
    estado = fields.String(validate=validate.OneOf([s.value for s in AnomalyState]))
    tipo = fields.String(validate=validate.OneOf(list(KIND_LABELS)))
    tag = fields.String(validate=validate.Length(max=80))
    origem = fields.String(validate=validate.OneOf(["processo", "sensor"]))
    limite = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class AnomalyNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=1000))


def _anomaly_out(a: Any, evidence: bool = False) -> dict[str, Any]:
    return {
        "id": a.id, "tag": a.tag.name, "asset_code": a.tag.asset.code,
        "sector_code": a.tag.asset.sector_code, "kind": a.kind,
        "kind_label": KIND_LABELS.get(a.kind, a.kind), "severity": a.severity,
        "state": str(a.state), "process": a.process, "started_at": a.started_at,
        "ended_at": a.ended_at, "last_seen_at": a.last_seen_at, "value": a.value,
        "message": a.message, "acknowledged_at": a.acknowledged_at,
        "acknowledged_by": a.acknowledged_by, "note": a.note,
        "evidence": (a.evidence or {}) if evidence else {},
    }


def _operator_action(action: Callable[[int, str, str], Any], doc: str) -> Callable[..., Any]:
    """The POST of an operator's action on an anomaly (acknowledge, close): the note in,
    the anomaly out, audited by the action itself."""

    @require("telemetry.anomalies.manage")
    @api.arguments(AnomalyNoteSchema)
    @api.response(200, AnomalyOutSchema)
    def post(self: MethodView, data: dict[str, Any], anomaly_id: int) -> dict[str, Any]:
        user = current()
        return _anomaly_out(action(anomaly_id, user.username if user else "?", data["note"]))

    post.__doc__ = doc
    return post


@api.route("/anomalias")
class AnomaliesApi(MethodView):
    @require("telemetry.anomalies.view")
    @api.response(200, AnomalyOutSchema(many=True))
    @api.arguments(AnomalyListArgs, location="query")
    def get(self, args):  # type: ignore[no-untyped-def]
        """Anomalias, as mais recentes primeiro (filtros: estado, tipo, tag, origem)."""
        rows = monitor.list_anomalies(
            state=args.get("estado"), kind=args.get("tipo"), tag=args.get("tag"),
            process={"processo": True, "sensor": False}.get(args.get("origem", "")),
            limit=args["limite"])
        return [_anomaly_out(a) for a in rows]


@api.route("/anomalias/<int:anomaly_id>")
class AnomalyApi(MethodView):
    @require("telemetry.anomalies.view")
    @api.response(200, AnomalyOutSchema)
    def get(self, anomaly_id):  # type: ignore[no-untyped-def]
        """Uma anomalia, com as leituras e os dados do detector no momento da deteccao."""
        return _anomaly_out(monitor.get_anomaly(anomaly_id), evidence=True)


@api.route("/anomalias/<int:anomaly_id>/reconhecer")
class AnomalyAckApi(MethodView):
    post = _operator_action(monitor.acknowledge, "Reconhece a anomalia (auditado).")


@api.route("/anomalias/<int:anomaly_id>/encerrar")
class AnomalyCloseApi(MethodView):
    post = _operator_action(monitor.close, "Encerra a anomalia manualmente; o motivo (note) é "
                                           "obrigatório (auditado).")
