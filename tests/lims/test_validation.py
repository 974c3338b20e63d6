"""The sample's results page: history visible, correction / reanalysis / cancellation and
manual recoleta through the web, with reasons required."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.auth import Profile
from lims.models.results import Recoleta
from lims.services import results as rs
from lims.services import validation
from tests.lims.test_results import CL, CT, sample


def test_sample_page_history_and_actions(client, db, make_user, login_as):
    analyst = make_user(Profile.ANALYST)
    sup = login_as(Profile.SUPERVISOR)
    s = sample(system_id=996)
    r = rs.enter_result(s, CL, "0,15", analysed_at=s.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    c = rs.enter_result(s, CT, "Presente", analysed_at=s.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    validation.validate([r.id, c.id], sup.id)
    db.commit()
    assert client.post(f"/lims/resultados/{r.id}/corrigir",
                       data={"valor": "0,25", "justificativa": "x"}).status_code == 302
    assert r.state == "validado"  # refused: justification too short
    client.post(f"/lims/resultados/{r.id}/corrigir",
                data={"valor": "0,25", "justificativa": "transcrição errada do boletim"})
    html = client.get(f"/lims/amostras/{s.id}/resultados").get_data(as_text=True)
    assert "<del>0,15 mg/L</del>" in html and "<strong>0,25 mg/L</strong>" in html
    assert "transcrição errada do boletim" in html
    # automatic recoleta exists for the positive; a manual one needs a reason
    auto = db.scalars(select(Recoleta).where(Recoleta.original_result_id == c.id)).all()
    assert auto and "Recoletas" in html
    client.post(f"/lims/resultados/{c.id}/recoleta", data={"motivo": "segunda rodada"})
    client.post(f"/lims/recoletas/{auto[0].id}/cancelar", data={"motivo": "ponto desativado hoje"})
    db.refresh(auto[0])
    assert auto[0].state == "cancelada"
    assert client.get("/lims/amostras/123456789/resultados").status_code == 404
