"""SISAGUA control-data fields (pure) and the CSV / non-conformity report pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from core.auth import Profile
from lims.domain.sisagua import Item, fields
from lims.services import results as rs
from lims.services import validation
from tests.lims.test_results import CL, CT, M, Y, sample


@pytest.mark.parametrize(("code", "where", "items", "expected"), [
    ("coliformes_totais", "rede", [Item(None, positive=False)] * 3 + [Item(None, positive=True)],
     {"Número de amostras analisadas": "4", "Número de amostras com ausência": "3",
      "Número de amostras com presença": "1"}),
    ("cloro_residual_livre", "saida",
     [Item(None, censored=True), Item(D("0.2")), Item(D("2.0")), Item(D("2.01")), Item(D("5.1"))],
     {"Número de amostras com resultado < 0,2 mg/L": "1",
      "Número de amostras com resultado >= 0,2 e <= 2,0 mg/L": "2",
      "Número de amostras com resultado > 2,0 e <= 5,0 mg/L": "1",
      "Número de amostras com resultado > 5,0 mg/L": "1", "Percentil 95": "5,1"}),
    ("turbidez", "rede", [Item(D("5.0")), Item(D("5.01"))],
     {"Número de amostras com resultado <= 5,0 uT": "1",
      "Número de amostras com resultado > 5,0 uT": "1"}),
    ("turbidez", "saida", [Item(D(x) / 100) for x in range(1, 21)], {"Percentil 95": "0,19"}),
    ("ph", "rede", [Item(D("5.9")), Item(D("6.0")), Item(D("9.0")), Item(D("9.1"))],
     {"Número de amostras com resultado < 6,0": "1",
      "Número de amostras com resultado >= 6,0 e <= 9,0": "2",
      "Número de amostras com resultado > 9,0": "1"}),
    ("fluoreto", "saida", [Item(None, censored=True), Item(D("1.6"))],
     {"Número de amostras com resultado <= 1,5 mg/L": "1",
      "Número de amostras com resultado > 1,5 mg/L": "1", "Percentil 95": "1,6"}),
])
def test_sisagua_fields(code, where, items, expected):
    got = dict(fields(code, where, items))
    for k, v in expected.items():
        assert got[k] == v, k


def test_sisagua_csv_and_nonconformity_dashboard(client, db, make_user, login_as):
    analyst = make_user(Profile.ANALYST)
    sup = make_user(Profile.SUPERVISOR)
    ids = []
    for day, text in ((2, "Ausente"), (3, "Presente"), (4, "Ausente")):
        s = sample(day=day, system_id=960, point_id=960_001)
        ids.append(rs.enter_result(s, CT, text, analysed_at=s.collected_at + dt.timedelta(hours=1),
                                   analyst_id=analyst.id, entered_by_id=analyst.id).id)
    s = sample(day=5, system_id=960, kind="saida_tratamento")
    ids.append(rs.enter_result(s, CL, "0,1", analysed_at=s.collected_at + dt.timedelta(hours=1),
                               analyst_id=analyst.id, entered_by_id=analyst.id).id)
    validation.validate(ids, sup.id)
    db.commit()
    login_as(Profile.SUPERVISOR)
    r = client.get(f"/lims/relatorios/sisagua.csv?sistema=960&ano={Y}&mes={M}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Ano", "Mês", "Código forma de abastecimento"]
    got = {(x[4], x[5], x[6]): x[7] for x in rows[1:]}
    assert got[("SISTEMA DE DISTRIBUIÇÃO", "Coliformes totais", "Número de amostras com presença")] == "1"
    assert got[("SAÍDA DO TRATAMENTO", "Cloro Residual Livre (mg/L)",
                "Número de amostras com resultado < 0,2 mg/L")] == "1"
    page = client.get(f"/lims/relatorios/nao-conformidades?sistema=960&ano={Y}&mes={M}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "Ponto" in html
    pdf = client.get(f"/lims/relatorios/nao-conformidades?sistema=960&ano={Y}&mes={M}&formato=pdf")
    assert pdf.data.startswith(b"%PDF")
    xl = client.get(f"/lims/relatorios/nao-conformidades?sistema=960&ano={Y}&mes={M}&formato=xlsx")
    assert xl.data[:2] == b"PK"


def test_monthly_reports_by_email_over_real_smtp(app, db, make_user, settings):
    import dataclasses
    import socket

    from aiosmtpd.controller import Controller

    from lims.tasks import send_monthly_reports

    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    s = sample(day=2, system_id=970)
    r = rs.enter_result(s, CL, "1,0", analysed_at=s.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id)
    validation.validate([r.id], sup.id)
    db.commit()
    got = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            got.append(envelope)
            return "250 OK"

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(
        old, smtp_host="127.0.0.1", smtp_port=port, lims_report_recipients="vigilancia@x.gov.br")
    try:
        assert send_monthly_reports() in (0, len(got))  # not the 1st: nothing unless forced
        n = send_monthly_reports(year=Y, month=M)
    finally:
        app.config["SAAE_SETTINGS"] = old
        ctl.stop()
    assert n >= 1 and len(got) >= n
    body = got[-1].content.decode("utf-8", "replace")
    assert "vigilancia@x.gov.br" in got[-1].rcpt_tos and "application/pdf" in body


@pytest.mark.parametrize("slug", ["anual", "turbidez", "acompanhamento", "recoletas",
                                  "observacoes", "vigilancia"])
def test_every_report_as_html_pdf_xlsx(client, db, make_user, login_as, slug):
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    s = sample(day=3, system_id=980)
    r = rs.enter_result(s, CT, "Presente", analysed_at=s.collected_at + dt.timedelta(hours=1),
                        analyst_id=analyst.id, entered_by_id=analyst.id, observation="frasco ok")
    validation.validate([r.id], sup.id)
    db.commit()
    login_as(Profile.MANAGER)
    q = f"sistema=980&ano={Y}&mes={M}"
    html = client.get(f"/lims/relatorios/{slug}?{q}")
    assert html.status_code == 200, html.get_data(as_text=True)[:300]
    assert client.get(f"/lims/relatorios/{slug}?{q}&formato=pdf").data.startswith(b"%PDF")
    assert client.get(f"/lims/relatorios/{slug}?{q}&formato=xlsx").data[:2] == b"PK"
    if slug in ("vigilancia", "observacoes", "recoletas"):
        assert "Coliformes" in html.get_data(as_text=True) or slug == "recoletas"
