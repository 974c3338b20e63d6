"""JSON API: external events (tickets), provider webhooks (WhatsApp Cloud API, SMS gateway)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import abort, current_app, request
from flask.views import MethodView

from core.auth import public, require
from core.errors import ValidationError
from core.web import settings
from incidents.channels import whatsapp_replies, whatsapp_statuses
from incidents.services import delivery, external, oncall
from incidents.services.notify import tracking_url
from incidents.views.api_docs import ExternalEventOut, SmsReplyOut, WebhookOut, WebhookRetryOut
from incidents.views.blueprints import api


@api.route("/eventos-externos")
class ExternalEvents(MethodView):
    @require("incidents.external.write")
    @api.alt_response(201, schema=ExternalEventOut, success=True, description="Incidente criado")
    @api.alt_response(200, schema=ExternalEventOut, success=True,
                      description="Incidente existente atualizado")
    def post(self):  # type: ignore[no-untyped-def]
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationError("Envie um objeto JSON")
        inc, created = external.upsert(body)
        return {"protocol": inc.protocol, "state": str(inc.state), "created": created,
                "tracking_url": tracking_url(inc)}, 201 if created else 200


def _sms_gateway_body() -> dict[str, Any]:
    """The JSON body of a call from the SMS gateway (its shared token, else 403)."""
    expected = settings().sms_webhook_token
    token = request.headers.get("X-Webhook-Token") or request.args.get("token", "")
    if not expected or not hmac.compare_digest(token, expected):
        abort(403)
    return request.get_json(silent=True) or {}


@api.route("/webhooks/whatsapp")
class WhatsAppWebhook(MethodView):
    @public
    @api.alt_response(200, success=True, content_type="text/plain", schema={"type": "string"},
                      description="O hub.challenge, ao confirmar a assinatura do webhook")
    def get(self):  # type: ignore[no-untyped-def]
        s = settings()
        if (request.args.get("hub.mode") == "subscribe" and s.whatsapp_verify_token
                and hmac.compare_digest(request.args.get("hub.verify_token", ""), s.whatsapp_verify_token)):
            return current_app.response_class(request.args.get("hub.challenge", ""), mimetype="text/plain")
        abort(403)

    @public
    @api.alt_response(200, schema=WebhookOut, success=True, description="Recibos registrados")
    @api.alt_response(503, schema=WebhookRetryOut, description="Reenvie mais tarde")
    def post(self):  # type: ignore[no-untyped-def]
        s = settings()
        raw = request.get_data()
        # no app secret, no webhook: an unsigned receipt would mark messages read and enter
        # the evidence chain (production refuses to start with the real provider and no secret)
        if not s.whatsapp_app_secret:
            abort(403)
        want = "sha256=" + hmac.new(s.whatsapp_app_secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), want):
            abort(403)
        unknown = 0
        for reply in whatsapp_replies(request.get_json(silent=True) or {}):
            oncall.acknowledge_reply(reply["from"], reply["text"])  # a reply to an on-call page
        for st in whatsapp_statuses(request.get_json(silent=True) or {}):
            if st["id"] and delivery.record_receipt(st["id"], st["status"], st["timestamp"], st["raw"]) is None:
                unknown += 1
        if unknown:  # our send record is not committed yet: the provider retries later
            return {"unknown": unknown}, 503
        return {"ok": True}


@api.route("/webhooks/sms")
class SmsWebhook(MethodView):
    @public
    @api.alt_response(200, schema=WebhookOut, success=True, description="Recibo registrado")
    @api.alt_response(503, schema=WebhookRetryOut, description="Reenvie mais tarde")
    def post(self):  # type: ignore[no-untyped-def]
        body = _sms_gateway_body()
        if not body.get("id"):
            raise ValidationError("Informe o id da mensagem")
        msg = delivery.record_receipt(str(body["id"]), str(body.get("status", "")), body.get("timestamp"),
                                    body, key=body.get("reference"))
        if msg is None:
            return {"unknown": 1}, 503
        return {"ok": True, "status": msg.status}


@api.route("/webhooks/sms/resposta")
class SmsReplyWebhook(MethodView):
    """A text someone sent back to the SMS gateway's number: {"from": "+55...", "text": "OK 1234"}."""

    @public
    @api.alt_response(200, schema=SmsReplyOut, success=True,
                      description="Resposta recebida (reconhece um chamado de plantão)")
    def post(self):  # type: ignore[no-untyped-def]
        body = _sms_gateway_body()
        if not body.get("from"):
            raise ValidationError("Informe o remetente (from)")
        page = oncall.acknowledge_reply(str(body["from"]), str(body.get("text", "")))
        return {"ok": True, "acknowledged": page is not None,
                "incident_id": page.incident_id if page else None}
