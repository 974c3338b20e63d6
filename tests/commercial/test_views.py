"""Pages for a Gestor, access marks, and the JSON API with its error shape."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from commercial.domain.documents import format_matricula, matricula_is_valid
from commercial.models import Connection, MessageRule, Reading
from core import fmt
from core.auth import Profile
from tests.commercial.conftest import add_readings

TODAY = dt.date.today()
PREV = fmt.month_add(TODAY.year, TODAY.month, -1)


def test_pages_render_for_a_gestor(client, db, login_as, make_connection):
    c = make_connection(name="Helena Pages")
    add_readings(db, c, [10, 25, 40], PREV)
    login_as(Profile.MANAGER)
    for url in ("/comercial/", "/comercial/ligacoes?q=Helena", f"/comercial/ligacoes/{c.id}",
                "/comercial/ligacoes/nova", f"/comercial/ligacoes/{c.id}/editar", "/comercial/leituras",
                "/comercial/faturamento", "/comercial/tarifas", "/comercial/tarifas/nova",
                "/comercial/mensagens", "/comercial/mensagens/nova", "/comercial/parametros",
                "/comercial/avisos", f"/comercial/ligacoes/{c.id}/simular?ano={PREV[0]}&mes={PREV[1]}"):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
    html = client.get(f"/comercial/ligacoes/{c.id}").get_data(as_text=True)
    assert format_matricula(c.matricula) in html and "<svg" in html
    sim = client.get(f"/comercial/ligacoes/{c.id}/simular?ano={PREV[0]}&mes={PREV[1]}").get_data(as_text=True)
    assert "R$ 29,40" in sim  # 15 m3: 18.90 + 5 x 2.10


def test_others_are_refused(client, db, login_as):
    login_as(Profile.ANALYST)
    assert client.get("/comercial/tarifas").status_code == 403
    assert client.get("/api/v1/comercial/ligacoes").status_code == 403


def test_connection_form_errors_and_create(client, db, login_as, setup_billing):
    login_as(Profile.MANAGER)
    bad = client.post("/comercial/ligacoes/nova", data={"c_name": "X", "street": "", "residencial": "0"})
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert "Informe o nome completo" in html and "Informe o logradouro" in html
    ok = client.post("/comercial/ligacoes/nova", data={
        "c_name": "Paulo Novo", "c_document": "529.982.247-25", "c_phones": "(19) 99811-2233",
        "channels": ["sms"], "consent": "on", "street": "Rua Tiradentes", "house_number": "12",
        "neighbourhood": "Centro", "residencial": "1", "billing_group_id": str(setup_billing.id),
        "situation": "ativa", "has_sewer": "on"})
    assert ok.status_code == 302
    conn = db.scalars(select(Connection).where(Connection.street == "Rua Tiradentes")).one()
    assert conn.consumer.mobile == "+5519998112233" and matricula_is_valid(conn.matricula)


def test_readings_upload_page_shows_row_errors(client, db, login_as, make_connection, setup_billing):
    c = make_connection()
    add_readings(db, c, [100], PREV)
    login_as(Profile.MANAGER)
    y, m = fmt.month_add(*PREV, 1)
    bad = f"matricula;data;leitura\n{c.matricula};18/{m:02d}/{y};50\n".encode()
    resp = client.post("/comercial/leituras", data={"grupo": setup_billing.id, "ano": y, "mes": m,
                                                    "arquivo": (io.BytesIO(bad), "l.csv")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert "nenhuma leitura foi gravada" in html and "menor que a anterior" in html
    good = f"matricula;data;leitura\n{c.matricula};18/{m:02d}/{y};130\n".encode()
    resp = client.post("/comercial/leituras", data={"grupo": setup_billing.id, "ano": y, "mes": m,
                                                    "arquivo": (io.BytesIO(good), "l.csv")},
                       content_type="multipart/form-data")
    assert "1 leitura(s) gravada(s)" in resp.get_data(as_text=True)
    assert db.scalars(select(Reading.consumption).where(Reading.connection_id == c.id,
                                                        Reading.month == m)).one() == 30


def test_message_rule_form_validates_placeholders(client, db, login_as):
    login_as(Profile.MANAGER)
    bad = client.post("/comercial/mensagens/nova", data={"kind": "geral", "title": "T",
                                                         "text": "Olá {cliente}", "priority": "5"})
    assert bad.status_code == 422 and "Campo desconhecido" in bad.get_data(as_text=True)
    ok = client.post("/comercial/mensagens/nova", data={"kind": "localizacao", "title": "Obras",
                                                        "text": "Obras no bairro {bairro}.",
                                                        "neighbourhoods": "Centro", "active": "on"})
    assert ok.status_code == 302
    assert db.scalars(select(MessageRule).where(MessageRule.title == "Obras")).one().neighbourhoods == ["Centro"]


def test_tariff_form_and_copy(client, db, login_as, setup_billing):
    login_as(Profile.MANAGER)
    data = {"name": "Tabela Form", "valid_from": "2030-01-01", "residencial_ativo": "on",
            "residencial_min_vol": "10", "residencial_min_charge": "20,00", "residencial_sewer": "80",
            "residencial_b0_upper": "20", "residencial_b0_price": "3,00",
            "residencial_b1_upper": "", "residencial_b1_price": "4,00"}
    resp = client.post("/comercial/tarifas/nova", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    data["residencial_b0_price"] = "abc"
    data["valid_from"] = "2031-01-01"
    bad = client.post("/comercial/tarifas/nova", data=data)
    assert bad.status_code == 422 and "Valor inválido" in bad.get_data(as_text=True)


def test_api_lookup_invoices_and_errors(client, db, api_token, make_connection):
    c = make_connection(name="Api Cliente", system_id=77)
    add_readings(db, c, [0, 10, 25], PREV)
    _u, token = api_token(Profile.MANAGER)
    h = {"Authorization": f"Bearer {token}"}
    r = client.get(f"/api/v1/comercial/ligacoes/{c.matricula}", headers=h)
    assert r.status_code == 200 and r.json["cliente"]["celular"] == "+5519998765432"
    assert r.json["historico"][-1]["consumo_m3"] == 15
    assert client.get("/api/v1/comercial/ligacoes?q=Api", headers=h).json[0]["id"] == c.id
    area = client.get("/api/v1/comercial/area?setor=SET-01&contatos=true", headers=h).json
    assert area["ligacoes"] >= 1 and any(x["connection_id"] == c.id for x in area["contatos"])
    nf = client.get("/api/v1/comercial/ligacoes/99999", headers=h)
    assert nf.status_code == 404 and nf.json["error"]["code"] == "nao_encontrado"
    bad = client.post("/api/v1/comercial/lotes", json={"grupo": 0, "ano": 1999, "mes": 13}, headers=h)
    assert bad.status_code == 422
    made = client.post("/api/v1/comercial/lotes", headers=h, json={
        "grupo": c.billing_group_id, "ano": PREV[0], "mes": PREV[1], "emissao": TODAY.isoformat()})
    assert made.status_code == 201 and made.json["estado"] == "concluido"
    again = client.post("/api/v1/comercial/lotes", headers=h, json={
        "grupo": c.billing_group_id, "ano": PREV[0], "mes": PREV[1]})
    assert again.status_code == 409 and again.json["error"]["message"]
    invs = client.get(f"/api/v1/comercial/faturas?matricula={c.matricula}", headers=h).json
    assert invs[0]["total"] == "44.10" and len(invs[0]["linha_digitavel"]) == 48
    one = client.get(f"/api/v1/comercial/faturas/{invs[0]['numero']}", headers=h).json
    assert one["documento"]["quality"]["system_name"]
    pdf = client.get(f"/api/v1/comercial/faturas/{invs[0]['numero']}/pdf", headers=h)
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    paid = client.post(f"/api/v1/comercial/faturas/{invs[0]['numero']}/pagamento", headers=h,
                       json={"data_pagamento": TODAY.isoformat()})
    assert paid.status_code == 200 and paid.json["situacao"] == "paga"
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/comercial/faturas/{numero}" in spec["paths"]
