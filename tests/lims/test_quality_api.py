"""The JSON API: quality summary, published results, stoppages, validation; errors as
{"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import datetime as dt

from core.auth import Profile
from lims.services import closing, validation
from lims.services import results as rs
from tests.lims.test_results import CT, M, Y, sample


def test_quality_api_and_errors(client, db, make_user, api_token):
    analyst = make_user(Profile.ANALYST)
    s = sample(day=4, system_id=995)
    r = rs.enter_result(s, CT, "Ausente", analysed_at=s.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    db.commit()
    sup, token = api_token(Profile.SUPERVISOR)
    h = {"Authorization": f"Bearer {token}"}
    bad = client.post("/api/v1/lims/resultados/validar", json={"resultados": []}, headers=h)
    assert bad.status_code == 422 and "resultados" in str(bad.json)  # smorest body shape: see report
    ok = client.post("/api/v1/lims/resultados/validar", json={"resultados": [r.id]}, headers=h)
    assert ok.status_code == 200 and ok.json["validados"] == [r.id]
    again = client.post("/api/v1/lims/resultados/validar", json={"resultados": [r.id]}, headers=h)
    assert again.status_code == 409 and again.json["error"]["message"]
    validation.publish_results(supervisor_id=sup.id, system_id=995)
    q = client.get(f"/api/v1/lims/qualidade/995?ano={Y}&mes={M}", headers=h)
    ct = next(p for p in q.json["parameters"] if p["parameter_code"] == "coliformes_totais")
    assert (ct["analysed"], ct["conforming"]) == (1, 1)
    pub = client.get("/api/v1/lims/resultados-publicados?sistema=995", headers=h)
    assert pub.json[0]["value"] == "Ausente"
    assert client.get("/api/v1/lims/qualidade/995?ano=1999&mes=13", headers=h).status_code == 422
    st = client.post("/api/v1/lims/paradas-eta", headers=h, json={
        "eta": "ETA-API", "inicio": f"{Y}-{M:02d}-02T10:00:00-03:00",
        "fim": f"{Y}-{M:02d}-02T14:00:00-03:00", "motivo": "manutencao", "referencia": "r1"})
    assert st.status_code == 201
    assert closing.stoppage_hours(["ETA-API"], Y, M) == 4.0
    bad = client.post("/api/v1/lims/paradas-eta", headers=h, json={
        "eta": "ETA-API", "inicio": f"{Y}-{M:02d}-02T10:00:00-03:00",
        "fim": f"{Y}-{M:02d}-01T10:00:00-03:00"})
    assert bad.status_code == 422 and "fim" in bad.json["error"]["fields"]
    assert client.get("/api/v1/lims/resultados-publicados").status_code == 401
