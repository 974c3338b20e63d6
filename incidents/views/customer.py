"""The customer screen (tender 7.10 "acesso na mesma tela"): one connection's data, its
service requests and work orders, invoices, readings, the messages sent to it and the
incidents that reached its sector, on one page. Commercial data comes through commercial.api
(commercial cannot import incidents, so the screen lives here, beside the requests)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from commercial import api as commercial_api
from core.auth import require
from core.db import session
from incidents.domain import requests as rules
from incidents.models import Incident
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc
from incidents.views.blueprints import bp


def incidents_for(conn: commercial_api.ConnectionInfo, limit: int = 10) -> list[Incident]:
    """Recent incidents whose area names the connection's sector or neighbourhood."""
    rows = session.scalars(select(Incident).order_by(Incident.opened_at.desc()).limit(300))
    out = []
    for inc in rows:
        area = inc.area or {}
        if (conn.sector_code and conn.sector_code in (area.get("sector_codes") or [])) or \
                conn.neighbourhood in (area.get("neighbourhoods") or []):
            out.append(inc)
    return out[:limit]


def _panel(conn: commercial_api.ConnectionInfo) -> dict[str, Any]:
    return {"conn": conn, "requests": req_svc.search(connection_id=conn.id, limit=20),
            "orders": wo_svc.orders(connection_id=conn.id)[:20],
            "invoices": commercial_api.invoices_of(conn.id),
            "readings": commercial_api.readings_of(conn.id),
            "messages": commercial_api.notices_of(conn.id),
            "charges": commercial_api.pending_charges(conn.id),
            "incidents": incidents_for(conn)}


@bp.route("/atendimento/cliente")
@require("incidents.request.view")
def customer():  # type: ignore[no-untyped-def]
    q = " ".join(request.args.get("q", "").split())[:80]
    mat = request.args.get("matricula", "")[:20]
    conn = commercial_api.connection_by_matricula(mat) if mat else None
    found = []
    if conn is None and q:
        found = commercial_api.search_connections(q, limit=20)
        if len(found) == 1:
            conn = found[0]
    return render_template("incidents/cliente.html", q=q or mat, found=found,
                           panel=_panel(conn) if conn else None, labels=rules.REQUEST_LABELS,
                           names={t.code: t.description for t in req_svc.types(active_only=False)},
                           searched=bool(q or mat))
