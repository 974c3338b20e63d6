"""The citizen's ticket page and satisfaction survey (test client; the browser test drives
the same flow in Chromium)."""

from __future__ import annotations

from tests.portal_publico import incidents_data


def test_tracking_survey_flow(client, db):
    data = incidents_data.seed(db)
    db.commit()
    token = data["token"]
    html = client.get(f"/portal/acompanhar/{token}").get_data(as_text=True)
    assert "Andamento" in html and "Avaliar o atendimento" in html
    assert client.get(f"/portal/acompanhar/{token}").headers["Cache-Control"] == "no-store"
    resp = client.post(f"/portal/acompanhar/{token}/pesquisa", data={"nota": "9"})
    assert resp.status_code == 422 and "Escolha uma nota de 1 a 5." in resp.get_data(as_text=True)
    resp = client.post(f"/portal/acompanhar/{token}/pesquisa",
                       data={"nota": "5", "comentario": "Otimo"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/portal/acompanhar/{token}")
    html = client.get(f"/portal/acompanhar/{token}").get_data(as_text=True)
    assert "Você já avaliou este atendimento" in html
    resp = client.post(f"/portal/acompanhar/{token}/pesquisa", data={"nota": "1"})
    assert "já foi respondida" in client.get(f"/portal/acompanhar/{token}/pesquisa").get_data(as_text=True) \
        or resp.status_code in (200, 302)
    from incidents.models import Incident

    inc = db.get(Incident, data["ticket_id"])
    assert inc.survey_score == 5  # the second answer did not overwrite the first


def test_unknown_token_is_404_and_reveals_nothing(client, db):
    resp = client.get("/portal/acompanhar/nao-existe")
    assert resp.status_code == 404 and "Solicitação não encontrada" in resp.get_data(as_text=True)
    assert client.get("/portal/acompanhar/nao-existe/pesquisa").status_code == 404


def test_open_ticket_has_no_survey_yet(client, db):
    from incidents.services import incidents as inc_svc

    inc = inc_svc.open_incident(title="Falta de água na rua", kind="atendimento", origin="cidadao",
                                notify=False)
    db.commit()
    html = client.get(f"/portal/acompanhar/{inc.public_token}/pesquisa").get_data(as_text=True)
    assert "disponível quando a solicitação for concluída" in html


def test_notices_pages(client, db):
    data = incidents_data.seed(db)
    db.commit()
    html = client.get("/portal/avisos").get_data(as_text=True)
    assert data["notice_title"] in html and data["past_title"] in html
    html = client.get(f"/portal/avisos/{data['notice_id']}").get_data(as_text=True)
    assert "O que fazer" in html and "Previsão de retorno" in html and "Centro" in html
