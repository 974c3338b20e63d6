"""Anomaly pages and the server-side SVG chart."""

from __future__ import annotations

import datetime as dt

import pytest

from core.auth import Profile
from telemetry import monitor, services
from telemetry.connectors.base import Reading
from telemetry.models.anomalies import Anomaly, AnomalyState
from telemetry.storage import SqlStorage

T0 = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def rs(values, start=T0, step=MIN, bad=()):
    return [Reading("X", start + i * step, float(v), "bad" if i in bad else "good")
            for i, v in enumerate(values) if v is not None]


# --------------------------------------------------------------------------- pages


@pytest.fixture()
def anomaly(db):
    services.save_asset("ETA-V", name="ETA Vista", kind="eta")
    services.save_tag("ETA-V.TURB", asset_code="ETA-V", quantity="turbidez", unit="uT",
                      detectors={"limite": {"high": 1.0}, "comunicacao": False}, create=True)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    vals = [0.3] * (6 * 60 - 20) + [2.5] * 20
    SqlStorage().write([Reading("ETA-V.TURB", now - (len(vals) - i) * MIN, v)
                        for i, v in enumerate(vals)])
    monitor.run_once(now, store=SqlStorage())
    [a] = db.query(Anomaly).all()
    return a


def test_chart_page(client, login_as, anomaly):
    login_as(Profile.OPERATOR)
    resp = client.get("/telemetria/grafico/ETA-V.TURB")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<svg" in html and "<polyline" in html and "limite superior 1" in html
    assert f"/telemetria/anomalias/{anomaly.id}" in html
    assert "em curso" in html and "Limite ultrapassado" in html
    assert client.get("/telemetria/grafico/ETA-V.TURB?horas=6").status_code == 200
    resp = client.get("/telemetria/grafico/ETA-V.TURB?horas=0")
    assert resp.status_code == 422 and "Período inválido" in resp.get_data(as_text=True)
    assert client.get("/telemetria/grafico/ETA-V.TURB?fim=ontem").status_code == 422
    # an offset typed in a URL ("+" becomes a space) is still understood
    assert client.get("/telemetria/grafico/ETA-V.TURB?fim=2026-03-02T12:00+00:00") \
        .status_code == 200
    assert client.get("/telemetria/grafico/NAO-EXISTE").status_code == 404


def test_tags_page_links_to_the_chart(client, login_as, anomaly):
    login_as(Profile.OPERATOR)
    html = client.get("/telemetria/tags").get_data(as_text=True)
    assert "/telemetria/grafico/ETA-V.TURB" in html


def test_list_filters_and_detail(client, login_as, anomaly):
    login_as(Profile.SUPERVISOR)
    html = client.get("/telemetria/anomalias").get_data(as_text=True)
    assert "ETA-V.TURB" in html and "Reconhecer" in html
    html = client.get("/telemetria/anomalias?estado=encerrada").get_data(as_text=True)
    assert "ETA-V.TURB" not in html and "Nenhuma anomalia" in html
    html = client.get("/telemetria/anomalias?origem=sensor").get_data(as_text=True)
    assert "ETA-V.TURB" not in html
    html = client.get("/telemetria/anomalias?tipo=limite&tag=ETA-V.TURB&estado=xx") \
        .get_data(as_text=True)
    assert "ETA-V.TURB" in html
    html = client.get(f"/telemetria/anomalias/{anomaly.id}").get_data(as_text=True)
    assert "Leituras no momento da detecção" in html and "<svg" in html
    assert "Encerrar manualmente" in html
    assert client.get("/telemetria/anomalias/999999").status_code == 404


def test_acknowledge_and_close_through_the_pages(client, login_as, anomaly, db):
    login_as(Profile.OPERATOR)
    resp = client.post(f"/telemetria/anomalias/{anomaly.id}/reconhecer",
                       data={"note": "indo ver", "next": "https://mal.example/"})
    assert resp.status_code == 302 and resp.location.endswith(f"/anomalias/{anomaly.id}")
    db.refresh(anomaly)
    assert anomaly.acknowledged_by and anomaly.note == "indo ver"
    resp = client.post(f"/telemetria/anomalias/{anomaly.id}/encerrar", data={"note": ""},
                       headers={"Referer": f"/telemetria/anomalias/{anomaly.id}"})
    assert resp.status_code == 302  # pt-BR message flashed, nothing changed
    db.refresh(anomaly)
    assert anomaly.state == AnomalyState.OPEN
    client.post(f"/telemetria/anomalias/{anomaly.id}/encerrar", data={"note": "manutencao"})
    db.refresh(anomaly)
    assert anomaly.state == AnomalyState.CLEARED


def test_permissions(client, login_as, anomaly):
    login_as(Profile.COLLECTOR)
    assert client.get("/telemetria/anomalias").status_code == 403
    assert client.get("/telemetria/grafico/ETA-V.TURB").status_code == 403


def test_analyst_sees_but_cannot_manage(client, login_as, anomaly):
    login_as(Profile.ANALYST)
    html = client.get("/telemetria/anomalias").get_data(as_text=True)
    assert "ETA-V.TURB" in html and "Reconhecer" not in html
    assert client.post(f"/telemetria/anomalias/{anomaly.id}/reconhecer").status_code == 403


def test_json_api(client, api_token, anomaly):
    _user, token = api_token(Profile.OPERATOR)
    h = {"Authorization": f"Bearer {token}"}
    resp = client.get("/api/v1/telemetria/anomalias?estado=aberta", headers=h)
    assert resp.status_code == 200
    [row] = resp.get_json()
    assert row["id"] == anomaly.id and row["kind"] == "limite" and row["state"] == "aberta"
    assert row["asset_code"] == "ETA-V" and row["evidence"] == {}
    detail = client.get(f"/api/v1/telemetria/anomalias/{anomaly.id}", headers=h).get_json()
    assert detail["evidence"]["readings"]
    bad = client.get("/api/v1/telemetria/anomalias?estado=xx&limite=0", headers=h)
    assert bad.status_code == 422
    # NOTE: flask-smorest's own 422 body ({"code","errors","status"}) wins over the house
    # {"error": ...} format because saae/app.py creates Api(app) after registering the
    # handlers (reported to the lead); assert only what holds either way
    assert "estado" in bad.get_data(as_text=True) and "limite" in bad.get_data(as_text=True)
    resp = client.post(f"/api/v1/telemetria/anomalias/{anomaly.id}/encerrar", json={},
                       headers=h)
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"] == {
        "note": ["Obrigatório."]}
    resp = client.post(f"/api/v1/telemetria/anomalias/{anomaly.id}/reconhecer",
                       json={"note": "ok"}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["acknowledged_by"]
    resp = client.post(f"/api/v1/telemetria/anomalias/{anomaly.id}/reconhecer", json={},
                       headers=h)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "transicao_invalida"
    resp = client.post(f"/api/v1/telemetria/anomalias/{anomaly.id}/encerrar",
                       json={"note": "manutencao"}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["state"] == "encerrada"
    assert client.get("/api/v1/telemetria/anomalias/999999", headers=h).status_code == 404
    assert client.get("/api/v1/telemetria/anomalias").status_code == 401
