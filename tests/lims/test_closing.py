"""Closing and report pages (HTML, PDF, XLSX), access marks, and ETA stoppages from telemetry
events through the real outbox."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from core.auth import Profile
from core.events import publish
from core.outbox import drain
from lims.models.results import EtaStoppage
from lims.services import closing, validation
from lims.services import results as rs
from tests.lims.test_results import CL, CT, M, Y, sample


def _month(db, make_user, sysid=950):
    analyst = make_user(Profile.ANALYST)
    sup = make_user(Profile.SUPERVISOR)
    ids = []
    for day in range(1, 11):
        for p, text in ((CT, "Ausente"), (CL, "0,9")):
            s = sample(day=day, system_id=sysid)
            ids.append(rs.enter_result(s, p, text, analysed_at=s.collected_at + dt.timedelta(hours=2),
                                       analyst_id=analyst.id, entered_by_id=analyst.id).id)
    validation.validate(ids, sup.id)
    db.commit()
    return sysid


def test_closing_page_pdf_xlsx_close_and_reopen(client, db, make_user, login_as):
    sysid = _month(db, make_user)
    login_as(Profile.ANALYST)
    page = client.get(f"/lims/fechamento?sistema={sysid}&ano={Y}&mes={M}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Coliformes totais" in html and "Conforme" in html
    assert "Fechar o mês" not in html  # an analyst cannot close
    assert client.post("/lims/fechamento/fechar", data={"sistema": sysid, "ano": Y, "mes": M}
                       ).status_code == 403
    pdf = client.get(f"/lims/relatorios/fechamento?sistema={sysid}&ano={Y}&mes={M}&formato=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    xl = client.get(f"/lims/relatorios/fechamento?sistema={sysid}&ano={Y}&mes={M}&formato=xlsx")
    ws = load_workbook(io.BytesIO(xl.data)).active
    header = [c.value for c in ws[4]]
    assert header[:3] == ["Parâmetro", "Ponto", "Exigidas"]
    values = {(r[0], r[1]): r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert values[("Coliformes totais", "Rede de distribuição")][6] == 10  # analysed, numeric
    bad = client.get(f"/lims/relatorios/fechamento?sistema={sysid}&ano={Y}&mes={M}&formato=doc")
    assert bad.status_code in (302, 422)
    client.post("/sair")
    login_as(Profile.MANAGER)
    r = client.post("/lims/fechamento/fechar", data={"sistema": sysid, "ano": Y, "mes": M})
    assert r.status_code == 302
    assert closing.is_closed(sysid, Y, M)
    post = client.get(f"/lims/relatorios/fechamento?sistema={sysid}&ano={Y}&mes={M}&formato=pdf&pos=1")
    assert post.data.startswith(b"%PDF")
    c = closing.closing_of(sysid, Y, M)
    r = client.post(f"/lims/fechamento/{c.id}/reabrir", data={"justificativa": "curta"})
    assert closing.is_closed(sysid, Y, M)  # refused: justification too short
    client.post(f"/lims/fechamento/{c.id}/reabrir",
                data={"justificativa": "laudo externo chegou depois do fechamento"})
    assert not closing.is_closed(sysid, Y, M)


def test_validation_page_four_eyes(client, db, make_user, login_as):
    sup = login_as(Profile.SUPERVISOR)
    s = sample(system_id=951)
    own = rs.enter_result(s, CL, "1,0", analysed_at=s.collected_at + dt.timedelta(hours=1),
                          analyst_id=sup.id, entered_by_id=sup.id)
    other_user = make_user(Profile.ANALYST)
    s2 = sample(system_id=951)
    other = rs.enter_result(s2, CL, "1,2", analysed_at=s2.collected_at + dt.timedelta(hours=1),
                            analyst_id=other_user.id, entered_by_id=other_user.id)
    db.commit()
    html = client.get("/lims/validacao").get_data(as_text=True)
    assert f'value="{own.id}" aria-label' in html and "disabled" in html
    client.post("/lims/validacao", data={"resultado": [str(own.id)]})
    assert own.state == "registrado"
    client.post("/lims/validacao", data={"resultado": [str(other.id)]})
    db.refresh(other)
    assert other.state == "validado"


def test_eta_stoppage_events_through_the_outbox(db):
    from saae.wiring import SUBSCRIPTIONS
    from telemetry.events import EtaStoppageEnded, EtaStoppageStarted

    t0 = dt.datetime(Y, M, 5, 3, tzinfo=dt.UTC)
    publish(EtaStoppageStarted(eta_code="ETA-W", started_at=t0, source_ref="anom-77"))
    publish(EtaStoppageStarted(eta_code="ETA-W", started_at=t0, source_ref="anom-77"))  # again
    db.commit()
    drain(SUBSCRIPTIONS)
    publish(EtaStoppageEnded(eta_code="ETA-W", ended_at=t0 + dt.timedelta(hours=6),
                             source_ref="anom-77"))
    db.commit()
    drain(SUBSCRIPTIONS)
    rows = db.query(EtaStoppage).filter_by(eta_code="ETA-W").all()
    assert len(rows) == 1 and rows[0].ended_at == t0 + dt.timedelta(hours=6)
    assert rows[0].source == "supervisorio"


def test_stoppage_and_dosing_pages(client, db, login_as):
    login_as(Profile.OPERATOR)
    r = client.post("/lims/paradas", data={"eta": "ETA-P", "inicio": f"{Y}-{M:02d}-03T08:00",
                                           "fim": f"{Y}-{M:02d}-03T20:00", "motivo": "troca de bomba"})
    assert r.status_code == 302
    assert closing.stoppage_hours(["ETA-P"], Y, M) == 12.0
    r = client.post("/lims/paradas", data={"eta": "ETA-P", "inicio": "ontem"})
    assert r.status_code == 302 and closing.stoppage_hours(["ETA-P"], Y, M) == 12.0
    r = client.post("/lims/dosagem", data={"eta": "ETA-P", "mes": M, "ano": Y,
                                           "produto": "Sulfato de alumínio",
                                           "quantidade": "1.250,5", "unidade": "kg"})
    assert r.status_code == 302
    html = client.get("/lims/paradas").get_data(as_text=True)
    assert "troca de bomba" in html and "1.250,500 kg" in html
    assert "<title>Paradas de ETA · " in html and html.count("Registrar consumo") == 1
