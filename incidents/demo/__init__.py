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
        seed_last_month(now)


def _backdate(rows: list, at: dt.datetime, fields: tuple[str, ...]) -> None:
    for row in rows:
        for f in fields:
            if getattr(row, f, None) is not None:
                setattr(row, f, at)


def seed_last_month(now: dt.datetime) -> None:
    """The demo's last closed month as the lab's SISAGUA operational form counts it (issue 19):
    a network repair in the Centro sector (work order executed) and a citizen's complaint of
    coloured water, both dated the 10th of the previous month."""
    first = now.date().replace(day=1)
    at = dt.datetime.combine((first - dt.timedelta(days=1)).replace(day=10), dt.time(14), dt.UTC)
    leak = svc.open_incident(
        title="Vazamento na Avenida Brasil", kind="interrupcao", origin="operador",
        severity="media", reason="Vazamento em rede DN100", asset_code="SET-01",
        asset_name="Setor Centro", area=svc.area_dict(sector_codes=["SET-01"]),
        area_description="Bairro Centro", estimated_hours=3, notify=False, public_notice=False)
    order = wo.open_order("REP-REDE", incident_id=leak.id, address="Avenida Brasil, 845")
    if order.state == "pendente":
        first_tech = session.scalars(select(Technician.id).order_by(Technician.id)).first()
        wo.assign(order.id, first_tech)
    if order.state == "pendente":
        wo.transition(order.id, "programado")
    wo.transition(order.id, "encerrado_executado", "troca de 2 m de tubo", answers={
        "causa": "Junta solta", "servico_executado": "Troca de 2 m de tubo DN100"})
    svc.close(leak.id, "reparo concluído")
    complaint = svc.open_incident(
        title="Água amarelada na torneira", kind="atendimento", origin="cidadao",
        severity="baixa", reason="Cliente relata água com cor amarelada", asset_code="SET-02",
        area=svc.area_dict(sector_codes=["SET-02"]), area_description="Bairro Jardim Primavera",
        notify=False, public_notice=False, requester_name="José Pereira")
    svc.close(complaint.id, "descarga de rede realizada")
    with audit_context(reason="dados de demonstração: mês anterior"):
        _backdate([leak, complaint], at, ("opened_at", "resolved_at", "closed_at"))
        _backdate([order], at + dt.timedelta(hours=2),
                  ("opened_at", "started_at", "executed_at", "closed_at"))
        session.flush()
