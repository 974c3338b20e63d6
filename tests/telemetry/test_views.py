"""Telemetry pages and API: tags, assets, ingester health, simulator events."""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit import AuditLog
from core.auth import Profile
from telemetry import services
from telemetry.connectors.base import Reading
from telemetry.storage import SqlStorage


@pytest.fixture()
def demo_tags(db):
    services.save_asset("SET-09", name="Setor Teste", kind="setor", sector_code="SET-09")
    services.save_tag("SET-09.PRESSAO", asset_code="SET-09", unit="mca", quantity="pressao",
                      plausible_min=0, plausible_max=100, expected_period_seconds=30)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    SqlStorage().write([Reading("SET-09.PRESSAO", now - dt.timedelta(minutes=m), 25.0 + m)
                        for m in range(5)])
    return now


def test_tags_page_shows_last_values(client, login_as, demo_tags):
    login_as(Profile.OPERATOR)
    html = client.get("/telemetria/tags").get_data(as_text=True)
    assert "SET-09.PRESSAO" in html and "25,00 mca" in html and "em dia" in html
    assert "Nova tag" not in html  # an operator does not edit tags


def test_gestor_edits_a_tag_with_reason_and_errors_in_portuguese(client, login_as, demo_tags, db):
    login_as(Profile.MANAGER)
    form = {"asset_code": "SET-09", "description": "Pressao no ponto critico", "unit": "mca",
            "quantity": "pressao", "expected_period_seconds": "60", "plausible_min": "10",
            "plausible_max": "5", "detectors": "{}", "active": "y", "reason": "ajuste"}
    resp = client.post("/telemetria/tags/SET-09.PRESSAO/editar", data=form)
    assert resp.status_code == 200 and "O máximo deve ser maior que o mínimo." in resp.get_data(as_text=True)
    resp = client.post("/telemetria/tags/SET-09.PRESSAO/editar", data={**form, "detectors": "{x"})
    assert "JSON inválido." in resp.get_data(as_text=True)
    resp = client.post("/telemetria/tags/SET-09.PRESSAO/editar",
                       data={**form, "plausible_max": "80", "detectors": '{"limite": {"low": 12}}',
                             "reason": "nova faixa do ponto crítico"})
    assert resp.status_code == 302
    tag = services.get_tag("SET-09.PRESSAO")
    assert tag.plausible_max == 80 and tag.detectors == {"limite": {"low": 12}}
    log = db.query(AuditLog).filter_by(model="telemetry_tag", row_id=str(tag.id),
                                       action="update").all()
    assert log[-1].reason == "nova faixa do ponto crítico" and log[-1].username
    assert client.get("/telemetria/tags/nova").status_code == 200
    assert client.get("/telemetria/ativos/SET-09/editar").status_code == 200


def test_operator_cannot_edit(client, login_as, demo_tags):
    login_as(Profile.OPERATOR)
    assert client.get("/telemetria/tags/SET-09.PRESSAO/editar").status_code == 403


def test_tags_api(client, api_token, demo_tags):
    _u, tok = api_token(Profile.MANAGER)
    h = {"Authorization": f"Bearer {tok}"}
    tags = client.get("/api/v1/telemetria/tags", headers=h).json
    t = next(x for x in tags if x["name"] == "SET-09.PRESSAO")
    assert t["last"]["value"] == 25.0 and t["asset_kind"] == "setor"
    now = demo_tags
    q = {"inicio": (now - dt.timedelta(minutes=3, seconds=30)).isoformat(), "fim": now.isoformat()}
    rows = client.get("/api/v1/telemetria/tags/SET-09.PRESSAO/leituras", query_string=q, headers=h).json
    assert [r["value"] for r in rows] == [28.0, 27.0, 26.0]
    assert rows[0]["quality"] == "good" and rows[0]["status"] == 0
    bad = client.get("/api/v1/telemetria/tags/SET-09.PRESSAO/leituras",
                     query_string={"inicio": q["fim"], "fim": q["inicio"]}, headers=h)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "dados_invalidos"
    resp = client.put("/api/v1/telemetria/tags/SET-09.PRESSAO", headers=h,
                      json={"asset_code": "SET-09", "unit": "mca", "plausible_min": 50,
                            "plausible_max": 10, "reason": "teste"})
    assert resp.status_code == 422 and "plausible_max" in resp.json["error"]["fields"]
    resp = client.post("/api/v1/telemetria/tags", headers=h,
                       json={"name": "SET-09.VAZAO", "asset_code": "SET-09", "unit": "m3/h",
                             "quantity": "vazao", "reason": "novo macromedidor"})
    assert resp.status_code == 201, resp.json
    assert client.post("/api/v1/telemetria/tags", headers=h,
                       json={"name": "SET-09.VAZAO", "asset_code": "SET-09",
                             "reason": "de novo"}).status_code == 409
    assert client.get("/api/v1/telemetria/tags/NAO", headers=h).status_code == 404
    assert client.get("/api/v1/telemetria/ativos", headers=h).status_code == 200


def test_health_page_and_api(client, login_as, demo_tags):
    services.record_connector_states([
        {"name": "ingester", "kind": "ingester", "state": "conectado",
         "stats": {"readings_per_s": 123.4, "buffer_depth": 0, "stored_total": 999}},
        {"name": "campo-mqtt", "kind": "mqtt", "state": "conectado", "readings_total": 10,
         "rejected_total": 2, "stats": {"rejects": ["X: nao_numerico x2"], "restarts": 1}},
    ])
    login_as(Profile.OPERATOR)
    html = client.get("/telemetria/coletor").get_data(as_text=True)
    assert "123,4" in html and "campo-mqtt" in html and "X: nao_numerico x2" in html
    h = client.get("/api/v1/telemetria/coletor/saude").json
    assert h["store"]["ok"] and h["ingester"]["running"] and h["connectors"][0]["rejected_total"] == 2


def test_inject_event_into_in_process_simulator(client, login_as, api_token, db):
    from telemetry.demo import scada as simulator

    plant = simulator.Plant()
    simulator._current["plant"] = plant
    try:
        _u, tok = api_token(Profile.OPERATOR)
        h = {"Authorization": f"Bearer {tok}"}
        r = client.post("/api/v1/telemetria/simulador/eventos", headers=h,
                        json={"tipo": "rompimento", "alvo": "SET-02", "duracao_min": 30})
        assert r.status_code == 202 and r.json["destino"] == "simulador desta instancia"
        assert [e.kind for e in plant.active_events(dt.datetime.now(dt.UTC))] == ["rompimento"]
        bad = client.post("/api/v1/telemetria/simulador/eventos", headers=h,
                          json={"tipo": "terremoto", "alvo": "SET-02"})
        assert bad.status_code == 422
        bad = client.post("/api/v1/telemetria/simulador/eventos", headers=h,
                          json={"tipo": "cloro", "alvo": "LUGAR-NENHUM"})
        assert bad.status_code == 422 and "alvo" in bad.json["error"]["fields"]
    finally:
        simulator._current.pop("plant", None)
