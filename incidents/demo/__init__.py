"""The demo utility's incidents: its technicians, one closed incident with its work order,
messages, receipts and survey, and one open quality incident with its notice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, unit_of_work
from incidents import api
from incidents.demo.requests import seed_demo_requests
from incidents.models import Incident, Technician
from incidents.services import delivery, field_sync, notify
from incidents.services import incidents as svc
from incidents.services import workorders as wo

TECHNICIANS = (
    ("Tiago Técnico", "tecnico", ["rede", "obras", "comercial"], -22.905, -47.065, "Caminhão ABC-1D23"),
    ("Tânia Técnica", "tecnico2", ["qualidade", "rede"], -22.930, -47.090, "Saveiro DEF-4G56"),
    ("Carlos Lima", "tecnico3", ["automacao", "hidrometria", "comercial"], -22.890, -47.050, "Moto GHI-7J89"),
)


def seed_technicians() -> None:
    with unit_of_work(), audit_context(reason="dados de demonstração"):
        have = set(session.scalars(select(Technician.username)))
        for name, user, skills, lat, lon, vehicle in TECHNICIANS:
            if user not in have:
                session.add(Technician(name=name, username=user, skills=skills, latitude=lat,
                                       longitude=lon, vehicle=vehicle, available=True,
                                       position_at=dt.datetime.now(dt.UTC)))


def seed_demo(today: dt.date) -> None:
    """Technicians, one closed incident with its work order, messages, receipts and survey,
    and one open quality incident with its notice (runs after seed_reference). Uses the
    services directly; the events they publish are harmless when the worker drains them."""
    seed_technicians()
    seed_demo_requests(today)
    if session.scalars(select(Incident.id)).first():
        return
    now = dt.datetime.now(dt.UTC)
    with audit_context(reason="dados de demonstração"):
        closed = svc.open_incident(
            title="Rompimento de adutora na Rua das Flores", kind="interrupcao", origin="operador",
            severity="alta", reason="Rompimento de rede DN150", asset_code="SET-03",
            asset_name="Setor Jardim das Flores", latitude=-22.915, longitude=-47.075,
            area=svc.area_dict(sector_codes=["SET-03"]),
            area_description="Bairros Distrito Industrial, Jardim das Flores e São José",
            estimated_hours=5, notify=False, requester_name="Márcia Alves",
            requester_phone="+5519998761234")
        w = wo.open_order("REP-REDE", incident_id=closed.id, latitude=-22.915, longitude=-47.075,
                          address="Rua das Flores, 200")
        notify.queue_notice(closed.id, "abertura")
        notify.queue_notice(closed.id, "etapa_aberto")
        delivery.dispatch()
        if w.technician_id:
            tech = session.get(Technician, w.technician_id)
            steps = [("aceitar", {}), ("a_caminho", {"vehicle": tech.vehicle}),
                     ("chegou", {"lat": -22.915, "lon": -47.075}), ("inicio", {}),
                     ("material", {"code": "TUBO-PVC-100", "name": "Tubo PVC DN100", "qty": 1}),
                     ("encerrar", {"form": {"causa": "Fadiga do material",
                                            "servico_executado": "Troca de 6 m de tubo"}})]
            field_sync.sync([{"client_key": f"demo-{i}", "work_order_id": w.id, "kind": k,
                      "at": (now - dt.timedelta(minutes=90 - 15 * i)).isoformat(), "data": d}
                     for i, (k, d) in enumerate(steps)], tech.username)
        for m in notify.messages(closed.id, limit=5):
            if m.provider_message_id:
                delivery.record_receipt(m.provider_message_id, "read")
                delivery.record_receipt(m.provider_message_id, "delivered")
        svc.close(closed.id, "reparo concluído")
        notify.queue_notice(closed.id, "restabelecimento")
        notify.queue_notice(closed.id, "etapa_encerrado")
        delivery.dispatch()
        api.submit_survey(closed.public_token, 5, "Equipe rápida e educada")
        quality = svc.open_incident(
            title="Turbidez elevada na saída da ETA", kind="qualidade", origin="scada",
            severity="alta", reason="Turbidez acima de 5 uT na água tratada", asset_code="ETA-01",
            asset_name="ETA Rio Verde", latitude=-22.9, longitude=-47.06,
            area=svc.area_dict(sector_codes=["SET-01"]), area_description="Bairros Centro e Vila Nova",
            estimated_hours=6, open_key="ETA-01:qualidade", tag="ETA-01.TURBIDEZ_SAIDA",
            notify=False, source_data={"started_at": (now - dt.timedelta(minutes=40)).isoformat()})
        svc.transition(quality.id, "em_analise", "coleta de confirmação enviada ao laboratório")
        notify.queue_notice(quality.id, "abertura")
        delivery.dispatch()
