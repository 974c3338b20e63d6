"""JSON API of service requests: open one (the counter system, the phone centre, a WhatsApp
conversation's bot) and read one by its protocol."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from core.api_operation import operation
from core.db import session
from core.web import found
from incidents import api as incidents_api
from incidents.models import ServiceRequest
from incidents.services import requests as req_svc
from incidents.views.api_docs import ServiceRequestIn, ServiceRequestOut
from incidents.views.blueprints import api


def request_json(req: ServiceRequest) -> dict[str, Any]:
    """The request as documented (RequestStatus), times in ISO 8601."""
    out = asdict(incidents_api.request_status(req, with_orders=True))
    for k in ("opened_at", "closed_at"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


@api.route("/solicitacoes")
class ServiceRequests(MethodView):
    @operation(api, "incidents.request.open", ServiceRequestIn, status=201, out=ServiceRequestOut,
               dump=False, description="Solicitação registrada, com protocolo e link de acompanhamento")
    def post(self, body: dict[str, Any]):  # type: ignore[no-untyped-def]
        channel = body.pop("channel")
        req = req_svc.open_request(body, channel=channel)
        return request_json(req), 201


@api.route("/solicitacoes/<protocol>")
class ServiceRequestByProtocol(MethodView):
    @operation(api, "incidents.request.view", out=ServiceRequestOut, dump=False,
               description="A solicitação, suas ordens de serviço e a situação")
    def get(self, protocol: str):  # type: ignore[no-untyped-def]
        req = found(session.scalars(select(ServiceRequest).where(
            ServiceRequest.protocol == protocol[:20])).first())
        return request_json(req)
