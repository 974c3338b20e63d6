"""The answers of the incidents JSON API, as documented in the OpenAPI document: a dataclass
where the view builds the answer from one (its schema derived), else a schema describing the
plain dict the view shapes."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields

from core.api_schemas import dataclass_schema


class ExternalEventOut(Schema):
    protocol = fields.String()
    state = fields.String()
    created = fields.Boolean()
    tracking_url = fields.String(metadata={"description": "link publico de acompanhamento"})


class WebhookOut(Schema):
    ok = fields.Boolean()
    status = fields.String(metadata={"description": "SMS: a situação registrada da mensagem"})


class WebhookRetryOut(Schema):
    unknown = fields.Integer(metadata={"description": "recibos de envios ainda não registrados"})


class TechnicianOut(Schema):
    """Dumps the Technician record itself."""

    id = fields.Integer()
    name = fields.String()
    vehicle = fields.String()


@dataclass(frozen=True)
class FieldOrderAnswer:
    id: int
    number: str
    service: str
    state: str
    description: str
    address: str | None
    lat: float | None
    lon: float | None
    due_at: str
    due_local: str
    priority: int
    vehicle: str
    kit: tuple[dict, ...]
    form: tuple[dict, ...]
    done: tuple[str, ...]


FieldOrderOut = dataclass_schema(FieldOrderAnswer, "FieldOrderOut", descriptions={
    "due_local": "due_at na hora local, como mostrada ao técnico", "kit": "code, name, qty, unit",
    "form": "name, label, required"})


class FieldOrdersOut(Schema):
    technician = fields.Nested(TechnicianOut)
    orders = fields.List(fields.Nested(FieldOrderOut))


class SyncResultOut(Schema):
    client_key = fields.String()
    status = fields.String(metadata={"description": "aplicada | duplicada | erro"})
    message = fields.String()


class FieldSyncOut(Schema):
    results = fields.List(fields.Nested(SyncResultOut))


class SmsReplyOut(Schema):
    ok = fields.Boolean(required=True)
    acknowledged = fields.Boolean(required=True, metadata={"description": "a resposta reconheceu um chamado"})
    incident_id = fields.Integer(allow_none=True)
