"""The technician's phone page: the day's orders, each step queued on the phone
(localStorage, with a client key) and synced when there is a connection; a service worker
keeps the page itself available offline."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, render_template, request
from flask.views import MethodView

from core import fmt
from core.auth import require
from core.errors import NotFound, ValidationError
from core.web import current
from incidents.services import field_sync
from incidents.services import workorders as wo_svc
from incidents.views.api_docs import (
    FieldOrderAnswer,
    FieldOrdersOut,
    FieldSyncOut,
    TechnicianOut,
)
from incidents.views.blueprints import api, bp


@bp.route("/campo/")
@require("incidents.field.use")
def field_page():  # type: ignore[no-untyped-def]
    return render_template("incidents/campo.html")


@bp.route("/campo/sw.js")
@require("incidents.field.use")
def field_worker():  # type: ignore[no-untyped-def]
    js = render_template("incidents/campo_sw.js")
    return Response(js, mimetype="application/javascript",
                    headers={"Service-Worker-Allowed": "/incidentes/campo/", "Cache-Control": "no-cache"})


def _technician() -> Any:
    user = current()
    tech = wo_svc.technician_for(user.username) if user else None
    if tech is None:
        raise NotFound("Seu usuário não esta cadastrado como técnico")
    return tech


def order_answer(wo: Any) -> FieldOrderAnswer:
    st = wo_svc.service(wo.service_code)
    done = {a.kind for a in wo_svc.actions(wo.id)}
    return FieldOrderAnswer(
        id=wo.id, number=wo.number, service=st.description, state=wo.state_label,
        description=wo.description, address=wo.address, lat=wo.latitude, lon=wo.longitude,
        due_at=wo.due_at.isoformat(), due_local=fmt.date_time(wo.due_at), priority=wo.priority,
        vehicle=wo.vehicle, kit=tuple(st.materials_kit), form=tuple(st.closing_form),
        done=tuple(sorted(done)), matricula=wo.matricula, pause_reason=wo.pause_reason)


@api.route("/campo/ordens")
class FieldOrders(MethodView):
    @require("incidents.field.use")
    @api.alt_response(200, schema=FieldOrdersOut, success=True, description="Ordens do dia")
    def get(self):  # type: ignore[no-untyped-def]
        tech = _technician()
        return {"technician": TechnicianOut().dump(tech),
                "orders": [asdict(order_answer(w)) for w in wo_svc.day_orders(tech.id)]}


@api.route("/campo/sync")
class FieldSync(MethodView):
    @require("incidents.field.use")
    @api.alt_response(200, schema=FieldSyncOut, success=True,
                      description="Um resultado por ação enviada")
    def post(self):  # type: ignore[no-untyped-def]
        body = request.get_json(silent=True) or {}
        items = body.get("actions")
        if not isinstance(items, list) or len(items) > 500:
            raise ValidationError("Envie 'actions': uma lista de até 500 ações")
        tech = _technician()
        return {"results": field_sync.sync(items, tech.username)}
