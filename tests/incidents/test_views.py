"""Incidents pages, the public tracking pages, the field API and the provider webhooks."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

from sqlalchemy import select

from core.auth import Profile
from core.outbox import drain
from incidents.models import Incident, Message
from incidents.services import incidents as svc
from incidents.services import notify
from incidents.services import workorders as wo_svc
from saae.wiring import SUBSCRIPTIONS


def _incident(db, **kw):
    inc = svc.open_incident(title="Rompimento na Av. Brasil", kind="interrupcao", origin="operador",
                            severity="alta", latitude=-22.90, longitude=-47.06,
                            area=svc.area_dict(sector_codes=["SET-01"]), notify=False,
                            requester_name="Lia", requester_phone="(19) 99876-5432", **kw)
    db.commit()
    drain(SUBSCRIPTIONS)
    return inc


def test_console_live_detail_and_actions(db, ref, client, login_as, make_consumer):
    login_as(Profile.OPERATOR)
    make_consumer("Rosa Lima", sector="SET-01", neighbourhood="Centro")
    inc = _incident(db)
    r = client.get("/incidentes")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and inc.protocol in html and "<svg" in html and "ao-vivo.json" in html
    live = client.get("/incidentes/ao-vivo.json?abertos=1").get_json()
    assert live["incidents"][0]["protocol"] == inc.protocol and live["map"].startswith("<svg")
    assert client.get("/incidentes?tipo=qualidade&abertos=1").get_data(as_text=True).count(inc.protocol) == 0
    page = client.get(f"/incidentes/{inc.id}").get_data(as_text=True)
    assert "Linha do tempo" in page and "Incidente aberto" in page
    r = client.post(f"/incidentes/{inc.id}/area", data={"sectors": "SET-01, SET-02", "neighbourhoods": "Centro",
                                                         "description": "Centro e Alto da Serra"})
    assert r.status_code == 302
    db.refresh(inc)
    assert inc.area["sector_codes"] == ["SET-01", "SET-02"] and inc.area_description == "Centro e Alto da Serra"
    r = client.post(f"/incidentes/{inc.id}/os", data={"service": "REP-REDE"})
    assert r.status_code == 302 and wo_svc.orders(incident_id=inc.id)
    r = client.post(f"/incidentes/{inc.id}/situacao", data={"state": "encerrado"}, follow_redirects=True)
    assert "Incidente encerrado" in r.get_data(as_text=True)
    r = client.post(f"/incidentes/{inc.id}/situacao", data={"state": "aberto"}, follow_redirects=True)
    assert "não pode passar" in r.get_data(as_text=True)
    r = client.post("/incidentes/novo", data={"title": "", "kind": "interrupcao"})
    assert "Informe o título" in r.get_data(as_text=True)
    r = client.post("/incidentes/novo", data={"title": "Falta d'água", "kind": "interrupcao",
                                              "sectors": "SET-03", "severity": "media"})
    assert r.status_code == 302
    assert client.get(f"/incidentes/{inc.id}/mensagens").status_code == 200
    assert client.get("/incidentes/caixa-de-saida").status_code == 200
    assert client.get(f"/incidentes/{inc.id}/dossie.zip").status_code == 403  # supervisor / gestor only


def test_orders_pages_reports_templates(db, ref, client, login_as):
    login_as(Profile.SUPERVISOR)
    inc = _incident(db)
    wo = wo_svc.open_order("REP-REDE", incident_id=inc.id, latitude=-22.9, longitude=-47.06)
    assert client.get("/incidentes/os").status_code == 200
    page = client.get(f"/incidentes/os/{wo.id}").get_data(as_text=True)
    assert wo.number in page and "Tubo PVC DN100" in page
    r = client.post(f"/incidentes/os/{wo.id}/acao", data={"action": "transition", "state": "postergada"},
                    follow_redirects=True)
    assert "Informe o motivo" in r.get_data(as_text=True)
    r = client.post(f"/incidentes/os/{wo.id}/acao", data={"action": "unfold", "service": "REPAV"})
    assert r.status_code == 302
    assert "Em atraso" in client.get("/incidentes/os/relatorios").get_data(as_text=True)
    assert "SUB-HD" in client.get("/incidentes/catalogo").get_data(as_text=True)
    assert client.get("/incidentes/modelos").status_code == 200
    r = client.post("/incidentes/modelos", data={"code": "restabelecimento", "body": "Oi {{ xpto }}"},
                    follow_redirects=True)
    assert "Variáveis desconhecidas: xpto" in r.get_data(as_text=True)
    r = client.post("/incidentes/modelos", data={"code": "restabelecimento", "subject": "ok",
                                                 "body": "Voltou, {{ nome }}! {{ link }}"})
    assert notify.template("restabelecimento").body == "Voltou, {{ nome }}! {{ link }}"
    r = client.post("/incidentes/modelos", data={"kind": "step", "step_aberto": "1", "step_resolvido": "1"})
    assert notify.step_enabled("resolvido") and not notify.step_enabled("encerrado")
    z = client.get(f"/incidentes/{inc.id}/dossie.zip")
    assert z.status_code == 200 and z.data[:2] == b"PK"


def test_field_page_and_sync_api(db, ref, client, make_user, login_as):
    from saae.seed import create_user  # noqa: F401  (the technician's user is 'tecnico')

    user = login_as(Profile.TECHNICIAN, username="tecnico")
    assert user.username == "tecnico"
    inc = _incident(db)
    wo = wo_svc.open_order("REP-REDE", incident_id=inc.id, latitude=-22.905, longitude=-47.065)
    assert wo_svc.session.get(wo_svc.Technician, wo.technician_id).username == "tecnico"
    assert "data-sw=\"/incidentes/campo/sw.js\"" in client.get("/incidentes/campo/").get_data(as_text=True)
    assert client.get("/incidentes/campo/sw.js").mimetype == "application/javascript"
    data = client.get("/api/v1/incidentes/campo/ordens").get_json()
    assert data["orders"][0]["number"] == wo.number and data["orders"][0]["form"]
    actions = [{"client_key": "c1", "work_order_id": wo.id, "kind": "a_caminho", "at": "2026-12-02T10:00:00Z"},
               {"client_key": "c2", "work_order_id": wo.id, "kind": "foto", "at": "2026-12-02T10:30:00Z",
                "data": {"photo": "data:image/jpeg;base64,/9j/AA=="}}]
    r = client.post("/api/v1/incidentes/campo/sync", json={"actions": actions})
    assert [x["status"] for x in r.get_json()["results"]] == ["aplicada", "aplicada"]
    r = client.post("/api/v1/incidentes/campo/sync", json={"actions": actions})
    assert [x["status"] for x in r.get_json()["results"]] == ["duplicada", "duplicada"]
    assert len(wo_svc.actions(wo.id)) == 2
    assert client.post("/api/v1/incidentes/campo/sync", json={"x": 1}).status_code == 422
    assert client.get("/incidentes/modelos").status_code == 403


def test_public_tracking_and_survey(db, ref, client):
    inc = _incident(db)
    page = client.get(f"/acompanhar/{inc.public_token}")
    assert page.status_code == 200 and inc.protocol in page.get_data(as_text=True)
    assert client.get("/acompanhar/" + "z" * 32).status_code == 404
    assert "quando a solicitação for concluída" in client.get(
        f"/acompanhar/{inc.public_token}/pesquisa").get_data(as_text=True)
    svc.close(inc.id, "ok")
    db.commit()
    r = client.post(f"/acompanhar/{inc.public_token}/pesquisa", data={"score": "5", "comment": "bom"},
                    follow_redirects=True)
    assert "Obrigado" in r.get_data(as_text=True)
    assert db.get(Incident, inc.id).survey_score == 5


def test_webhooks_and_external_api(db, ref, client, app, api_token):
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, whatsapp_verify_token="vt",
                                                      whatsapp_app_secret="segredo", sms_webhook_token="st")
    try:
        inc = _incident(db)
        [m] = notify.messages(inc.id)
        r = client.get("/api/v1/incidentes/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42")
        assert r.get_data(as_text=True) == "42"
        assert client.get("/api/v1/incidentes/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x").status_code == 403
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [
                {"id": m.provider_message_id, "status": "read", "timestamp": "1764700000",
                 "recipient_id": "5519998765432"},
                {"id": m.provider_message_id, "status": "delivered", "timestamp": "1764699000",
                 "recipient_id": "5519998765432"}]}}]}]}).encode()
        sig = "sha256=" + hmac.new(b"segredo", body, hashlib.sha256).hexdigest()
        assert client.post("/api/v1/incidentes/webhooks/whatsapp", data=body,
                           content_type="application/json").status_code == 403
        r = client.post("/api/v1/incidentes/webhooks/whatsapp", data=body, content_type="application/json",
                        headers={"X-Hub-Signature-256": sig})
        assert r.status_code == 200
        db.refresh(m)
        assert m.status == "lido"
        r = client.post("/api/v1/incidentes/webhooks/sms?token=st", json={"id": "nada", "status": "delivered"})
        assert r.status_code == 503
        assert client.post("/api/v1/incidentes/webhooks/sms", json={"id": "x"}).status_code == 403

        _, token = api_token(Profile.ADMINISTRATOR)
        h = {"Authorization": f"Bearer {token}"}
        ev = {"source_system": "ERP", "source_code": "77", "title": "OS 77", "status": "aberto",
              "customer": {"name": "Rui", "phone": "(19) 99777-1234"}}
        r = client.post("/api/v1/incidentes/eventos-externos", json=ev, headers=h)
        assert r.status_code == 201 and "/acompanhar/" in r.get_json()["tracking_url"]
        r = client.post("/api/v1/incidentes/eventos-externos", json=ev, headers=h)
        assert r.status_code == 200 and r.get_json()["created"] is False
        r = client.post("/api/v1/incidentes/eventos-externos", json={"title": "x"}, headers=h)
        assert r.status_code == 422 and r.get_json()["error"]["fields"]
        assert client.post("/api/v1/incidentes/eventos-externos", json=ev).status_code == 401
        assert db.scalars(select(Message).where(Message.incident_id == inc.id)).all()
    finally:
        app.config["SAAE_SETTINGS"] = old
