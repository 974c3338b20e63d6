"""Done means (issue 21, parts 1, 2 and 5): a request opened on the portal -> its work order ->
the technician closes it on the phone page -> the consumer's tracking page and survey; a
reconnection order that changes the connection's situation and reaches the next invoice; a
quality complaint asking the laboratory for an extra sample; complaints that open an incident;
parent orders, pauses, kilometres and photos before/after."""

from __future__ import annotations

import base64
import io
import re

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.errors import IllegalTransition, ValidationError
from incidents.models import Incident, ServiceRequest, WorkOrder
from incidents.services import field_sync
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def _connection(db, make_consumer, **kw):
    from commercial.models import Connection

    consumer = make_consumer(**kw)
    return db.scalars(select(Connection).where(Connection.consumer_id == consumer.id)).one()


def _steps(wo, *kinds_data):
    return [{"client_key": f"k{wo.id}-{i}", "work_order_id": wo.id, "kind": k,
             "at": f"2026-12-05T1{i}:00:00Z", "data": d} for i, (k, d) in enumerate(kinds_data)]


def test_portal_request_to_phone_close_to_tracking_and_survey(db, ref, client, make_consumer, login_as):
    make_consumer(neighbourhood="Alto da Serra", sector="SET-02")
    r = client.post("/portal/solicitar", data={
        "type_code": "VAZ-CAVALETE", "address": "Rua da Serra, 12", "neighbourhood": "Alto da Serra",
        "description": "Água saindo do cavalete", "requester_name": "Maria", "foto": (io.BytesIO(PNG), "f.png")},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    protocol = re.search(r"Protocolo (RA\d{10})", page).group(1)
    token = re.search(r"/portal/acompanhar/([\w-]+)", page).group(1)
    req = db.scalars(select(ServiceRequest).where(ServiceRequest.protocol == protocol)).one()
    assert req.channel == "portal" and req.photo_type == "image/png" and req.sector_code == "SET-02"
    [wo] = wo_svc.orders(request_id=req.id)
    assert wo.service_code == "VAZ-CAV" and wo.attendance == "portal" and wo.state == "programado"
    tech = db.get(wo_svc.Technician, wo.technician_id)

    login_as(Profile.TECHNICIAN, username=tech.username)
    orders = client.get("/api/v1/incidentes/campo/ordens").get_json()["orders"]
    assert wo.number in [o["number"] for o in orders]
    photo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    out = client.post("/api/v1/incidentes/campo/sync", json={"actions": _steps(
        wo, ("a_caminho", {"km": 1200.5}), ("chegou", {}), ("foto", {"photo": photo, "tag": "antes"}),
        ("inicio", {}), ("material", {"code": "REG-34", "name": "Registro 3/4", "qty": 1}),
        ("foto", {"photo": photo, "tag": "depois"}),
        ("encerrar", {"km": 1212.0, "form": {"servico_executado": "Troca do registro"}}))}).get_json()
    assert [x["status"] for x in out["results"]] == ["aplicada"] * 7, out
    db.refresh(wo)
    assert wo.state == "encerrado_executado" and wo.km_driven == 11.5
    assert sorted(a.data["tag"] for a in wo_svc.actions(wo.id) if a.kind == "foto") == ["antes", "depois"]
    db.refresh(req)
    assert req.state == "concluida" and req.closed_at

    client.get("/sair")
    html = client.get(f"/portal/acompanhar/{token}").get_data(as_text=True)
    assert protocol in html and "Concluída" in html and "Avaliar o atendimento" in html
    assert f"{wo.number} aberta" in html
    r = client.post(f"/portal/acompanhar/{token}/pesquisa", data={"nota": "5", "comentario": "Rápido"})
    assert r.status_code == 302
    assert "Você já avaliou" in client.get(f"/portal/acompanhar/{token}").get_data(as_text=True)
    db.refresh(req)
    assert req.survey_score == 5
    # the staff app's own tracking page reads the same ticket
    assert protocol in client.get(f"/acompanhar/{token}").get_data(as_text=True)


def test_reconnection_changes_situation_and_bills_next_invoice(db, ref, make_consumer):
    from commercial import api as commercial_api
    from commercial.models import ServiceCharge

    conn = _connection(db, make_consumer)
    conn.situation = "cortada"
    db.commit()
    req = req_svc.open_request({"type_code": "RELIGACAO", "matricula": conn.matricula}, channel="balcao")
    [wo] = wo_svc.orders(request_id=req.id)
    assert wo.connection_id == conn.id and wo.matricula == conn.matricula and wo.attendance == "balcao"
    tech = db.get(wo_svc.Technician, wo.technician_id)
    assert "comercial" in tech.skills
    res = field_sync.sync(_steps(wo, ("inicio", {}), ("encerrar", {"form": {"leitura": "1234"}})), tech.username)
    assert [x["status"] for x in res] == ["aplicada", "aplicada"], res
    assert commercial_api.connection(conn.id).situation == "ativa"
    db.refresh(wo)
    charge = db.get(ServiceCharge, wo.charge_id)
    assert charge.amount == 42 and charge.invoice_id is None and wo.number in charge.description
    assert commercial_api.pending_charges(conn.id) == [(charge.description, charge.amount)]
    # the same close synced again changes nothing and bills nothing more
    assert field_sync.sync(_steps(wo, ("encerrar", {})), tech.username)[0]["status"] == "duplicada"
    assert len(db.scalars(select(ServiceCharge).where(ServiceCharge.connection_id == conn.id)).all()) == 1


def test_cut_of_a_cut_connection_is_refused(db, ref, make_consumer):
    conn = _connection(db, make_consumer)
    conn.situation = "suprimida"
    db.commit()
    req = req_svc.open_request({"type_code": "CORTE-PEDIDO", "matricula": conn.matricula}, channel="telefone")
    [wo] = wo_svc.orders(request_id=req.id)
    wo_svc.assign(wo.id, wo_svc.technicians()[0].id)
    with pytest.raises(Exception, match="suprimida"):
        wo_svc.transition(wo.id, "encerrado_executado", answers={"leitura": "1"})
    db.refresh(wo)
    assert wo.state == "programado"  # nothing half-written


def test_quality_complaint_asks_lab_for_extra_sample(db, ref, make_consumer):
    from lims import api as lims_api
    from lims.models.registry import CollectionPoint, PointLink, SupplySystem
    from tests.lims.part1_rows import ensure_parameter
    from tests.lims.test_results import CL, CT, EC, TU

    for p in (CT, EC, CL, TU):
        ensure_parameter(p)
    system = SupplySystem(code="SAA-RECL", name="Sistema Reclamações", population_served=9000)
    db.add(system)
    db.flush()
    near, far = (CollectionPoint(code=c, name=n, system_id=system.id, kind="rede", photos=[],
                                 latitude=lat, longitude=-47.0)
                 for c, n, lat in (("P-PERTO", "Rede Rua do Ponto", -22.90), ("P-LONGE", "Rede distante", -22.99)))
    db.add_all([near, far])
    db.flush()
    db.add(PointLink(upstream_id=near.id, downstream_id=far.id))
    db.commit()
    req = req_svc.open_request({"type_code": "QUAL-GOSTO", "address": "Rua do Ponto, 1",
                                "latitude": -22.9001, "longitude": -47.0,
                                "description": "Gosto de cloro forte"}, channel="whatsapp")
    assert [s["point_code"] for s in req.extra_samples] == ["P-PERTO"]  # the nearest, alone
    [asked] = lims_api.extra_samples_of(f"solicitacao:{req.id}")
    assert asked.point_code == "P-PERTO"
    assert "coleta extra pedida" in " ".join(e.text for e in req_svc.events(req.id, public_only=True))
    [wo] = wo_svc.orders(request_id=req.id)
    assert wo.service_code == "QUAL-VISITA" and wo.attendance == "whatsapp"
    # the lab validates the sample: the requester reads the verdict on the tracking page
    from incidents.handlers import on_extra_sample_validated
    from lims.events import ExtraSampleValidated

    ev = ExtraSampleValidated(sample_id=asked.sample_id, sample_code=asked.sample_code,
                              ref=f"solicitacao:{req.id}", role="mesmo_ponto", point_code="P-PERTO",
                              point_name="Rede Rua do Ponto", conforming=True)
    on_extra_sample_validated(ev)
    on_extra_sample_validated(ev)  # at-least-once delivery: recorded once
    db.refresh(req)
    assert req.extra_samples[0]["conforming"] is True
    lines = [e.text for e in req_svc.events(req.id, public_only=True)]
    assert sum("dentro do padrão de potabilidade" in t for t in lines) == 1


def test_complaints_in_a_sector_open_one_incident(db, ref, make_consumer, settings):
    conns = [_connection(db, make_consumer, sector="SET-07") for _ in range(settings.complaints_per_incident + 1)]
    reqs = [req_svc.open_request({"type_code": "FALTA-AGUA", "matricula": c.matricula}, channel="telefone")
            for c in conns]
    assert reqs[0].incident_id is None or reqs[-1].incident_id == reqs[0].incident_id
    [inc] = db.scalars(select(Incident).where(Incident.open_key == "SET-07:interrupcao:reclamacoes")).all()
    assert inc.kind == "interrupcao" and inc.origin == "cidadao"
    assert all(r.incident_id == inc.id for r in reqs)  # the one after the threshold joins it


def test_parent_waits_for_children_pause_needs_reason(db, ref, make_consumer):
    req = req_svc.open_request({"type_code": "LIGACAO-NOVA", "subject": "eventual", "address": "Rua Nova, 5",
                                "requester_name": "Circo Alegria"}, channel="balcao")
    parent, child = sorted(wo_svc.orders(request_id=req.id), key=lambda w: w.id)
    assert child.parent_id == parent.id and req.subject == "eventual"
    for w in (parent, child):
        wo_svc.assign(w.id, wo_svc.technicians()[0].id)
    with pytest.raises(IllegalTransition, match=child.number):
        wo_svc.transition(parent.id, "encerrado_executado", answers={"servico_executado": "ok"})
    with pytest.raises(ValidationError):
        wo_svc.transition(child.id, "pausada", "")
    wo_svc.transition(child.id, "pausada", "Chuva forte")
    assert db.get(WorkOrder, child.id).pause_reason == "Chuva forte"
    assert "Motivo: Chuva forte" in " ".join(e.text for e in req_svc.events(req.id, public_only=True))
    wo_svc.transition(child.id, "programado", "retomada")
    wo_svc.transition(child.id, "encerrado_executado", answers={"numero_novo": "Y1"})
    wo_svc.transition(parent.id, "encerrado_executado", answers={"servico_executado": "ok"})
    db.refresh(req)
    assert req.state == "concluida"


def test_request_validation(db, ref):
    with pytest.raises(ValidationError, match="endereço"):
        req_svc.open_request({"type_code": "FALTA-AGUA", "address": "x"}, channel="portal")
    with pytest.raises(ValidationError, match="matrícula"):
        req_svc.open_request({"type_code": "RELIGACAO", "address": "Rua A, 1"}, channel="balcao")
    with pytest.raises(ValidationError):
        req_svc.open_request({"type_code": "RELIGACAO", "matricula": "1"}, channel="portal")
    with pytest.raises(ValidationError, match="JPEG"):
        req_svc.open_request({"type_code": "FALTA-AGUA", "address": "Rua A, 1"}, channel="portal",
                             photo=b"<svg/>")


def test_demo_requests_are_alive(db, ref, make_consumer):
    import datetime as dt

    from commercial import api as commercial_api
    from incidents.demo.requests import seed_demo_requests

    for i in range(4):
        make_consumer(f"Pessoa {i}", sector="SET-09")
    seed_demo_requests(dt.date.today())
    seed_demo_requests(dt.date.today())  # idempotent
    reqs = {r.type_code: r for r in db.scalars(select(ServiceRequest)).all()}
    assert len(reqs) == 5
    assert reqs["VAZ-CAVALETE"].channel == "portal"
    [paused] = wo_svc.orders(request_id=reqs["FALTA-AGUA"].id)
    assert paused.state == "pausada" and "Imóvel fechado" in paused.pause_reason
    [done] = wo_svc.orders(request_id=reqs["RELIGACAO"].id)
    assert done.state == "encerrado_executado" and done.charge_id and done.km_driven == 7.5
    assert sorted(a.data.get("tag") for a in wo_svc.actions(done.id) if a.kind == "foto") == ["antes", "depois"]
    assert commercial_api.connection(done.connection_id).situation == "ativa"
    assert reqs["RELIGACAO"].state == "concluida" and reqs["CORTE-PEDIDO"].state == "concluida"
