"""Payments end to end on PostgreSQL: a FEBRABAN collection return file with paid, duplicate,
unknown and mismatched lines -> the per-line report -> the next batch's messages count the
unpaid invoices from the payment records; a direct-debit return file; a malformed file refused
with its line and position and nothing written; the same file twice refused; a payment plan
whose instalment is billed on the invoice and paid with it."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commercial.domain.return_layout import COLLECTION, DIRECT_DEBIT, build_return_file
from commercial.models import Invoice, PaymentPlan
from commercial.models.payments import DebitReturn, Payment, PlanInstalment, ReturnFile, ReturnLine
from commercial.services import batches, invoices, payment_plans, return_import
from core import fmt
from core.audit import AuditLog
from core.auth import Profile
from core.errors import Conflict
from tests.commercial.conftest import add_readings

TODAY = dt.date.today()
PREV = fmt.month_add(TODAY.year, TODAY.month, -1)
PREV2 = fmt.month_add(TODAY.year, TODAY.month, -2)
UNKNOWN = "8" + "2" * 43


@pytest.fixture()
def issued(db, make_connection, setup_billing, monkeypatch):
    """Five connections billed for the month before last (due ten days ago); D and E pay by
    direct debit; A has a payment plan whose first instalment falls on that invoice."""
    monkeypatch.setattr("commercial.services.pdfpool.default_processes", lambda: 0)
    conns = {}
    for key in "ABCDE":
        conns[key] = make_connection(name=f"Cliente {key}", direct_debit=key in "DE")
        add_readings(db, conns[key], [100, 110, 122, 135], PREV)
    plan = payment_plans.create_plan(conns["A"].id, "90,00", 3, TODAY - dt.timedelta(days=12))
    first = batches.request_batch(setup_billing.id, *PREV2, issue_date=TODAY - dt.timedelta(days=25),
                                  due_date=TODAY - dt.timedelta(days=10))
    invs = {k: db.scalars(select(Invoice).where(Invoice.batch_id == first.id,
                                                Invoice.connection_id == c.id)).one()
            for k, c in conns.items()}
    return conns, invs, plan


def _collection(invs: dict[str, Invoice], seq: int = 1) -> bytes:
    a, b = invs["A"], invs["B"]
    paid_on = TODAY - dt.timedelta(days=8)
    lines = [
        {"paid_on": paid_on, "credited_on": TODAY, "barcode": a.barcode, "amount": a.total},
        {"paid_on": paid_on, "credited_on": TODAY, "barcode": a.barcode, "amount": a.total},
        {"paid_on": paid_on, "credited_on": TODAY, "barcode": UNKNOWN, "amount": D("55.00")},
        {"paid_on": paid_on, "credited_on": TODAY, "barcode": b.barcode, "amount": b.total - 1},
    ]
    return build_return_file(COLLECTION, lines, generated_on=TODAY, sequence=seq)


def _next_batch_messages(db, setup_billing, conns) -> dict[str, list[str]]:
    nxt = batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY,
                                due_date=TODAY + dt.timedelta(days=10))
    return {k: db.scalars(select(Invoice).where(Invoice.batch_id == nxt.id,
                                                Invoice.connection_id == c.id)).one().doc["messages"]
            for k, c in conns.items()}


def test_collection_file_report_then_next_invoices_count_unpaid(db, issued, setup_billing, client,
                                                                 login_as, tmp_path):
    conns, invs, plan = issued
    a = invs["A"]
    assert any(s["description"].startswith("Parcela 1/3 (parcelamento")
               for s in a.doc["amounts"]["services"])  # the instalment is on the invoice
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(invoices.invoice_pdf(a.id))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Parcela 1/3 (parcelamento {plan.id})" in text, text

    f = return_import.import_return_file(_collection(invs), "ret-arrecadacao-001.txt")
    assert f.counts == {"pago": 1, "duplicado": 1, "desconhecido": 1, "valor_divergente": 1}
    assert f.applied_amount == a.total and f.sha256 and f.content.startswith(b"A2")
    outcome = dict(db.execute(select(ReturnLine.line_no, ReturnLine.outcome)
                              .where(ReturnLine.file_id == f.id)).all())
    assert outcome == {2: "pago", 3: "duplicado", 4: "desconhecido", 5: "valor_divergente"}
    db.refresh(a)
    db.refresh(invs["B"])
    assert (a.state, a.paid_at) == ("paga", TODAY - dt.timedelta(days=8))
    assert invs["B"].state == "emitida"  # the mismatched amount is listed, not applied
    # every change to the invoice is audited, with the file as the reason
    audit = db.scalars(select(AuditLog).where(AuditLog.model == "commercial_invoice",
                                              AuditLog.row_id == str(a.id),
                                              AuditLog.action == "update")).all()
    assert audit[-1].changes["state"] == ["emitida", "paga"]
    assert "ret-arrecadacao-001.txt" in audit[-1].reason
    # the instalment billed on the paid invoice is paid; the plan moves on
    inst = db.scalars(select(PlanInstalment).where(PlanInstalment.plan_id == plan.id)
                      .order_by(PlanInstalment.number)).all()
    assert [i.paid_on is not None for i in inst] == [True, False, False]
    db.refresh(plan)
    assert (plan.paid_instalments, plan.next_amount) == (1, D("30.00"))

    # the per-line report, as a Gestor sees it
    login_as(Profile.MANAGER)
    page = client.get(f"/comercial/retornos/{f.id}").get_data(as_text=True)
    assert "Repete a linha 2" in page and "Nenhuma fatura corresponde" in page
    assert "Valor diferente do da fatura" in page and "Pago: baixa aplicada" in page
    pays = client.get(f"/comercial/faturas/{a.id}/pagamentos").get_data(as_text=True)
    assert "Paga em" in pays and "1/3" in pays

    # next month's invoices: B (amount differed) and C (no line) are unpaid, A is not
    msgs = _next_batch_messages(db, setup_billing, conns)
    assert not any("em aberto" in m for m in msgs["A"])
    for k in "BC":
        assert any("1 fatura(s) em aberto" in m and fmt.money(invs[k].total) in m
                   for m in msgs[k]), msgs[k]


def test_direct_debit_return_file(db, issued, setup_billing):
    conns, invs, _plan = issued
    d, e = invs["D"], invs["E"]
    debit_day = d.due_date
    lines = [
        {"client_id": conns["D"].matricula, "agency": "1234", "account": "000123456",
         "debit_on": debit_day, "amount": d.total, "return_code": "01", "company_use": d.number},
        {"client_id": conns["E"].matricula, "agency": "1234", "account": "000654321",
         "debit_on": e.due_date, "amount": e.total, "return_code": "00"},  # found by matricula + date
        {"client_id": "999999", "debit_on": debit_day, "amount": D("10.00"), "return_code": "00"},
    ]
    f = return_import.import_return_file(
        build_return_file(DIRECT_DEBIT, lines, generated_on=TODAY, sequence=9), "deb-009.ret")
    assert f.kind == "debito_automatico"
    assert f.counts == {"debito_devolvido": 1, "debitado": 1, "desconhecido": 1}
    ret = db.scalars(select(DebitReturn).where(DebitReturn.invoice_id == d.id)).one()
    assert (ret.return_code, ret.reason) == ("01", "Insuficiência de fundos")
    db.refresh(d)
    db.refresh(e)
    assert (d.state, d.debit_returned_on, e.state) == ("emitida", debit_day, "paga")
    assert db.scalars(select(Payment).where(Payment.invoice_id == e.id)).one().source == "debito_automatico"

    msgs = _next_batch_messages(db, setup_billing, conns)
    assert any(f"débito automático de {fmt.date(debit_day)} foi devolvido" in m for m in msgs["D"]), msgs["D"]
    assert any("1 fatura(s) em aberto" in m for m in msgs["D"])
    assert not any("devolvido" in m or "em aberto" in m for m in msgs["E"])


def test_malformed_file_refused_with_line_and_position_nothing_written(db, issued):
    _conns, invs, _plan = issued
    good = _collection(invs)
    lines = good.split(b"\r\n")
    lines[3] = lines[3][:81] + b"00000000X000" + lines[3][93:]  # G.06 value on line 4
    with pytest.raises(return_import.ReturnFileInvalid) as err:
        return_import.import_return_file(b"\r\n".join(lines), "quebrado.txt")
    assert (err.value.line, err.value.position, err.value.field) == (4, 90, "G.06")
    assert "Linha 4, posição 90 (G.06 valor recebido)" in err.value.message
    short = good.replace(b"\r\n", b"\r\n", 1).split(b"\r\n")
    short[2] = short[2][:140]
    with pytest.raises(return_import.ReturnFileInvalid, match="Linha 3: o registro tem 140 posições"):
        return_import.import_return_file(b"\r\n".join(short), "curto.txt")
    assert db.scalar(select(func.count(ReturnFile.id))) == 0
    assert db.scalar(select(func.count(Payment.id))) == 0
    db.refresh(invs["A"])
    assert invs["A"].state == "emitida"


def test_same_file_twice_is_refused(db, issued, client, api_token):
    _conns, invs, _plan = issued
    content = _collection(invs, seq=5)
    return_import.import_return_file(content, "r.txt")
    with pytest.raises(Conflict, match="já foi importado"):
        return_import.import_return_file(content, "r-copia.txt")
    # the same NSA of the same bank with other bytes (re-sent with other line ends)
    with pytest.raises(Conflict, match="NSA"):
        return_import.import_return_file(content.replace(b"\r\n", b"\n"), "r-lf.txt")
    assert db.scalar(select(func.count(ReturnFile.id))) == 1
    assert db.scalar(select(func.count(Payment.id))) == 1
    # the API answers with the codes the OpenAPI document describes
    _u, token = api_token(Profile.MANAGER)
    h = {"Authorization": f"Bearer {token}"}
    body = {"nome_arquivo": "r.txt", "conteudo_base64": base64.b64encode(content).decode()}
    again = client.post("/api/v1/comercial/retornos", headers=h, json=body)
    assert again.status_code == 409 and again.json["error"]["code"] == "arquivo_ja_importado"
    other = _collection(invs, seq=6)
    made = client.post("/api/v1/comercial/retornos", headers=h, json={
        "nome_arquivo": "r6.txt", "conteudo_base64": base64.b64encode(other).decode()})
    assert made.status_code == 201, made.json
    assert made.json["resultados"] == {"ja_paga": 1, "duplicado": 1, "desconhecido": 1,
                                      "valor_divergente": 1}
    lines = client.get(f"/api/v1/comercial/retornos/{made.json['id']}/linhas?resultado=ja_paga",
                       headers=h).json
    assert [ln["linha"] for ln in lines] == [2]
    bad = client.post("/api/v1/comercial/retornos", headers=h, json={
        "nome_arquivo": "x.txt", "conteudo_base64": base64.b64encode(b"A1xyz").decode()})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "arquivo_retorno_invalido"
    assert "Linha 1" in bad.json["error"]["message"]
    pays = client.get(f"/api/v1/comercial/faturas/{invs['A'].number}/pagamentos", headers=h).json
    assert pays["pagamento"]["origem"] == "arrecadacao" and pays["parcelas"][0]["paga_em"]


def test_upload_page_refuses_with_the_position(db, issued, client, login_as):
    _conns, invs, _plan = issued
    login_as(Profile.MANAGER)
    page = client.get("/comercial/retornos")
    assert page.status_code == 200 and "Arrecadação" in page.get_data(as_text=True)
    token = client.get("/comercial/retornos").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', token)
    data = {"arquivo": (io.BytesIO(Path(__file__).read_bytes()), "teste.py")}
    if csrf:
        data["csrf_token"] = csrf.group(1)
    resp = client.post("/comercial/retornos", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Linha 1" in resp.get_data(as_text=True)
    assert db.scalar(select(func.count(ReturnFile.id))) == 0
    assert db.scalar(select(func.count(PaymentPlan.id))) == 1
