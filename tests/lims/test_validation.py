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


def test_validating_a_samples_results_reads_them_their_verifications_and_rules_once(db, make_user):
    """Issue 17: validating many results at once reads the results, their verifications and
    their parameters' rules in one query each (was three queries a result)."""
    import datetime as dt2
    import re

    from lims.services import results as rs
    from lims.services import validation
    from tests.lims.test_results import CL, CT, EC, TU, sample
    from tests.test_statement_budget import counting

    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)

    def entered(ref, params):
        return [rs.enter_result(ref, p, v, analysed_at=ref.collected_at + dt2.timedelta(hours=1),
                                analyst_id=analyst.id, entered_by_id=analyst.id).id
                for p, v in params]

    one = entered(sample(day=5), [(CL, "1,0")])
    four = entered(sample(day=6), [(CL, "1,0"), (TU, "0,5"), (CT, "Ausente"), (EC, "Ausente")])
    with counting() as seen1:
        assert len(validation.validate(one, sup.id)) == 1
    with counting() as seen4:
        assert len(validation.validate(four, sup.id)) == 4

    def reads(seen, table):
        return sum(1 for x in seen if (m := re.match(r"\s*SELECT\b.*?\bFROM\s+(\w+)", x, re.S))
                   and m.group(1) == table)

    for table in ("lims_result", "lims_result_verification", "lims_parameter_rule"):
        assert reads(seen1, table) <= 2 and reads(seen4, table) == reads(seen1, table), table
