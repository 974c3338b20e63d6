"""The answers of the incidents JSON API, as documented in the OpenAPI document: a dataclass
where the view builds the answer from one (its schema derived), else a schema describing the
plain dict the view shapes."""

from __future__ import annotations

from dataclasses import dataclass

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
    matricula: str | None
    pause_reason: str | None


FieldOrderOut = dataclass_schema(FieldOrderAnswer, "FieldOrderOut", descriptions={
    "due_local": "due_at na hora local, como mostrada ao técnico", "kit": "code, name, qty, unit",
    "form": "name, label, required", "matricula": "a ligação de uma OS de atendimento",
    "pause_reason": "o motivo, quando a OS está pausada"})


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
