"""The demo's service requests (issue 21): an open leak reported on the portal, a no-water
call whose order is paused, a reconnection executed with photos before and after (the
connection cut, then active again, the service on its next invoice) and a water-quality
complaint that asked the laboratory for an extra sample."""

from __future__ import annotations

import base64
import datetime as dt
import io

from PIL import Image, ImageDraw
from sqlalchemy import select

from commercial import api as commercial_api
from core.audit import audit_context
from core.db import session, unit_of_work
from incidents.models import ServiceRequest, Technician
from incidents.services import field_sync
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc


def _photo(colour: tuple[int, int, int], label: str) -> str:
    """A small JPEG the order page shows (a stand-in for the technician's camera)."""
    img = Image.new("RGB", (240, 160), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((70, 40, 170, 120), outline=(255, 255, 255), width=4)
    draw.text((12, 10), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _sync(wo_id: int, steps: list[tuple[str, dict]], start: dt.datetime) -> None:
    wo = wo_svc.get(wo_id)
    tech = session.get(Technician, wo.technician_id) if wo.technician_id else None
    if tech is None:
        tech = wo_svc.technicians()[0]
        wo_svc.assign(wo.id, tech.id)
    field_sync.sync([{"client_key": f"demo-ra-{wo_id}-{i}", "work_order_id": wo_id, "kind": k,
                      "at": (start + dt.timedelta(minutes=12 * i)).isoformat(), "data": d}
                     for i, (k, d) in enumerate(steps)], tech.username)


def seed_demo_requests(today: dt.date) -> None:
    """Runs once (after the technicians and the commercial demo)."""
    if session.scalars(select(ServiceRequest.id)).first():
        return
    conns = [c for c in commercial_api.search_connections("", limit=60) if c.situation == "ativa"]
    if len(conns) < 3:
        return
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(), audit_context(reason="dados de demonstração"):
        req_svc.open_request({"type_code": "VAZ-CAVALETE", "address": f"{conns[0].address}",
                              "neighbourhood": conns[0].neighbourhood, "requester_name": "Joana Prado",
                              "description": "Água escorrendo pelo cavalete desde cedo"}, channel="portal")
        dry = req_svc.open_request({"type_code": "FALTA-AGUA", "matricula": conns[1].matricula,
                                    "requester_phone": "(19) 99700-1122"}, channel="telefone")
        [wo] = wo_svc.orders(request_id=dry.id)
        _sync(wo.id, [("a_caminho", {"km": 15230.0}), ("chegou", {}),
                      ("pausar", {"reason": "Imóvel fechado: aguardando o morador liberar o acesso"})],
              now - dt.timedelta(hours=2))
        _reconnection(conns[2], now)
        req_svc.open_request({"type_code": "QUAL-COR", "matricula": conns[3 % len(conns)].matricula,
                              "description": "Água amarelada pela manhã"}, channel="whatsapp")


def _reconnection(conn: commercial_api.ConnectionInfo, now: dt.datetime) -> None:
    """Cut (executed a week ago), then reconnected today with photos before and after."""
    cut = req_svc.open_request({"type_code": "CORTE-PEDIDO", "matricula": conn.matricula,
                                "description": "Imóvel desocupado para reforma"}, channel="balcao")
    [wo] = wo_svc.orders(request_id=cut.id)
    _sync(wo.id, [("inicio", {}), ("encerrar", {"form": {"leitura": "1520"}})], now - dt.timedelta(days=7))
    back = req_svc.open_request({"type_code": "RELIGACAO", "matricula": conn.matricula,
                                 "requester_name": conn.name}, channel="balcao")
    [wo] = wo_svc.orders(request_id=back.id)
    _sync(wo.id, [("a_caminho", {"km": 15102.4}), ("chegou", {}),
                  ("foto", {"photo": _photo((120, 72, 40), "ANTES: cavalete lacrado"), "tag": "antes"}),
                  ("inicio", {}), ("material", {"code": "LACRE", "name": "Lacre de corte", "qty": 1}),
                  ("foto", {"photo": _photo((30, 110, 170), "DEPOIS: registro aberto"), "tag": "depois"}),
                  ("encerrar", {"km": 15109.9, "form": {"leitura": "1521"}})], now - dt.timedelta(hours=3))
