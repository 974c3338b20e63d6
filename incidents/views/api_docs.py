"""The answers of the incidents JSON API, as documented in the OpenAPI document (the views
shape them as plain dicts; these schemas only describe them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.api_schemas import dataclass_schema
from incidents.api import OrderStatus, RequestStatus


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
    matricula = fields.String(metadata={"description": "a ligação de uma OS de atendimento"})
    pause_reason = fields.String(metadata={"description": "o motivo, quando a OS está pausada"})


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


class ServiceRequestIn(Schema):
    """A service request from the counter system, the phone centre or a WhatsApp conversation."""

    type_code = fields.String(required=True, validate=validate.Length(min=1, max=20),
                              metadata={"description": "código do tipo de solicitação"})
    channel = fields.String(load_default="whatsapp",
                            validate=validate.OneOf(["balcao", "telefone", "whatsapp"]))
    subject = fields.String(load_default="", validate=validate.OneOf(["", "matricula", "endereco", "eventual"]))
    matricula = fields.String(load_default="", validate=validate.Length(max=20))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    neighbourhood = fields.String(load_default="", validate=validate.Length(max=120))
    requester_name = fields.String(load_default="", validate=validate.Length(max=200))
    requester_document = fields.String(load_default="", validate=validate.Length(max=18))
    requester_phone = fields.String(load_default="", validate=validate.Length(max=40))
    requester_email = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


RequestOrderOut = dataclass_schema(OrderStatus, "RequestOrderOut")
ServiceRequestOut = dataclass_schema(
    RequestStatus, "ServiceRequestOut", orders=fields.List(fields.Nested(RequestOrderOut)),
    descriptions={"tracking_url": "link público de acompanhamento e pesquisa",
                  "token": "o token do link público"})
