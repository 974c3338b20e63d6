"""The staff pages of service requests (counter form, list, request page, customer screen,
request types and prices), the requests API, and the portal form's abuse controls."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.auth import Profile
from incidents.models import RequestType, ServicePrice, ServiceRequest
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc


def _conn(db, make_consumer):
    from commercial.models import Connection

    c = make_consumer("Rita Souza")
    return db.scalars(select(Connection).where(Connection.consumer_id == c.id)).one()


def test_counter_request_pages_and_customer_screen(db, ref, client, login_as, make_consumer):
    conn = _conn(db, make_consumer)
    login_as(Profile.OPERATOR)
    assert "Nova solicitação" in client.get("/incidentes/atendimento/").get_data(as_text=True)
    assert client.get(f"/incidentes/atendimento/nova?matricula={conn.matricula}").status_code == 200
    r = client.post("/incidentes/atendimento/nova", data={"channel": "balcao", "type_code": "RELIGACAO",
                                                          "subject": "endereco", "address": "Rua X, 1"})
    assert r.status_code == 422 and "matrícula" in r.get_data(as_text=True)
    r = client.post("/incidentes/atendimento/nova", data={"channel": "telefone", "type_code": "AFERICAO",
                                                          "matricula": conn.matricula})
    assert r.status_code == 302
    req = db.scalars(select(ServiceRequest)).one()
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert req.protocol in page and "AFERICAO" in page and "/portal/acompanhar/" in page
    screen = client.get(f"/incidentes/atendimento/cliente?matricula={conn.matricula}").get_data(as_text=True)
    for part in ("Rita Souza", req.protocol, "Ordens de serviço", "Faturas", "Leituras", "Mensagens enviadas"):
        assert part in screen, part
    assert req_svc.search(q="Rita") == [req] and req_svc.search(q="Ninguém") == []
    assert req_svc.search(q=f"{conn.matricula[:-1]}-{conn.matricula[-1]}") == [req]
    found = client.get("/incidentes/atendimento/cliente?q=Rita Souza").get_data(as_text=True)
    assert "Rita Souza" in found
    r = client.post(f"/incidentes/atendimento/{req.id}/cancelar", data={"reason": "cliente desistiu"},
                    follow_redirects=True)
    assert "Solicitação cancelada" in r.get_data(as_text=True)
    db.refresh(req)
    assert req.state == "cancelada"
    assert [o.state for o in wo_svc.orders(request_id=req.id)] == ["cancelada"]
    assert not any("sem execução" in e.text for e in req_svc.events(req.id))  # said once, as cancelled
    assert client.post("/incidentes/atendimento/valores", data={}).status_code == 403


def test_manager_edits_request_types_and_prices(db, ref, client, login_as):
    login_as(Profile.MANAGER)
    rt = db.scalars(select(RequestType).where(RequestType.code == "AFERICAO")).one()
    assert "Tabela de valores de serviços" in client.get("/incidentes/atendimento/tipos").get_data(as_text=True)
    r = client.post(f"/incidentes/atendimento/tipos/{rt.id}", data={"description": "Aferição",
                                                                    "services": "AFERICAO, NAO-EXISTE"},
                    follow_redirects=True)
    assert "NAO-EXISTE" in r.get_data(as_text=True)
    client.post(f"/incidentes/atendimento/tipos/{rt.id}", data={"description": "Aferição do hidrômetro",
                                                               "services": "AFERICAO", "public": "1",
                                                               "active": "1"})
    db.refresh(rt)
    assert rt.description == "Aferição do hidrômetro" and rt.public
    client.post("/incidentes/atendimento/valores", data={"service_code": "AFERICAO", "amount": "39,90",
                                                        "valid_from": "2027-01-01"})
    assert [str(p.amount) for p in db.scalars(select(ServicePrice).where(
        ServicePrice.service_code == "AFERICAO").order_by(ServicePrice.valid_from))] == ["35.00", "39.90"]


def test_requests_api(db, ref, client, api_token, make_consumer):
    conn = _conn(db, make_consumer)
    _user, token = api_token(Profile.OPERATOR)
    h = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/v1/incidentes/solicitacoes", headers=h,
                    json={"type_code": "FALTA-AGUA", "matricula": conn.matricula, "channel": "whatsapp"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["protocol"].startswith("RA") and body["orders"][0]["service_code"] == "VER-FALTA"
    assert "/portal/acompanhar/" in body["tracking_url"]
    got = client.get(f"/api/v1/incidentes/solicitacoes/{body['protocol']}", headers=h).get_json()
    assert got["protocol"] == body["protocol"] and got["state"] in ("aberta", "em_atendimento")
    bad = client.post("/api/v1/incidentes/solicitacoes", headers=h, json={"type_code": "XYZ"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"]
    assert client.get("/api/v1/incidentes/solicitacoes/RA0", headers=h).status_code == 404


def test_portal_form_honeypot_and_rate_limit(db, ref, client, settings):
    page = client.get("/portal/solicitar").get_data(as_text=True)
    assert "Falta d&#39;água" in page and 'name="site"' in page and "Religação" not in page
    data = {"type_code": "FALTA-AGUA", "address": "Rua das Pedras, 40"}
    r = client.post("/portal/solicitar", data={**data, "site": "http://spam.example"})
    assert r.status_code == 422 and not db.scalars(select(ServiceRequest)).all()
    r = client.post("/portal/solicitar", data={"type_code": "FALTA-AGUA", "address": "x"})
    assert r.status_code == 422 and "Informe o endereço" in r.get_data(as_text=True)
    r = client.post("/portal/solicitar", data={**data, "type_code": "RELIGACAO"})
    assert r.status_code == 422  # not offered on the portal
    codes = [client.post("/portal/solicitar", data=data).status_code
             for _ in range(settings.portal_requests_per_hour)]
    assert codes.count(302) == settings.portal_requests_per_hour - 3 and codes[-1] == 429
    last = client.post("/portal/solicitar", data=data)
    assert last.status_code == 429 and last.headers["Retry-After"] == "3600"
    assert "Muitos envios" in last.get_data(as_text=True)
    r = client.get("/portal/solicitar/recebida/" + db.scalars(select(ServiceRequest)).first().public_token)
    assert re.search(r"Protocolo RA\d{10}", r.get_data(as_text=True))
    assert client.get("/portal/solicitar/recebida/nao-existe").status_code == 404
