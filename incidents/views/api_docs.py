"""The answers of the incidents JSON API, as documented in the OpenAPI document (the views
shape them as plain dicts; these schemas only describe them)."""

from __future__ import annotations

from marshmallow import Schema, fields


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
    id = fields.Integer()
    name = fields.String()
    vehicle = fields.String()


class FieldOrderOut(Schema):
    id = fields.Integer()
    number = fields.String()
    service = fields.String()
    state = fields.String()
    description = fields.String()
    address = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    due_at = fields.String()
    priority = fields.Integer()
    vehicle = fields.String()
    kit = fields.List(fields.Dict(), metadata={"description": "code, name, qty, unit"})
    form = fields.List(fields.Dict(), metadata={"description": "name, label, required"})
    done = fields.List(fields.String())


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
