"""Invoices end to end on PostgreSQL: a batch as a background job with progress, the quality
block from a month closed through the LIMS's own services, the PDF (text checked with
pdftotext), the print file, second copy, cancellation, the SMS before issue and the e-mail
through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import socket
import subprocess
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commercial.domain.documents import format_matricula
from commercial.domain.febraban import barcode_is_valid, format_typed_line, typed_line
from commercial.domain.pix import crc16_ccitt
from commercial.models import Invoice, InvoiceBatch, Notice, ServiceCharge
from commercial.services import batches, delivery, invoice_docs, invoices
from core import fmt
from core.auth import Profile
from core.db import session
from core.errors import Conflict, ValidationError
from core.events import OutboxMessage, event_class
from tests.commercial.conftest import add_readings
from tests.commercial.lims_month import close_lims_month

TODAY = dt.date.today()
PREV = fmt.month_add(TODAY.year, TODAY.month, -1)
SYSTEM = 4242


def pdf_text(data: bytes, tmp_path: Path) -> str:
    p = tmp_path / "f.pdf"
    p.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture()
def month(db, make_user, make_connection):
    """Three connections with readings up to last month; last month closed in the LIMS."""
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    close_lims_month(SYSTEM, PREV[0], PREV[1], analyst.id, sup.id, days=8, turbid_day=2)
    db.commit()
    a = make_connection(name="Ana Tender", system_id=SYSTEM, email="ana@exemplo.com.br", by_email=True)
    b = make_connection(name="Bruno Misto", system_id=SYSTEM, residencial=1, comercial=1,
                        direct_debit=True)
    c = make_connection(name="Carla Sem Sistema", mobile=None, consent=False, has_sewer=False)
    add_readings(db, a, [100, 118, 139, 160, 190], PREV)  # 30 m3 last month: the tender's example
    add_readings(db, b, [10, 40, 70, 100, 160], PREV)
    add_readings(db, c, [0, 5, 10, 15, 15], PREV)
    invoices.add_service(c.id, "Religação de água", "42,00")
    return a, b, c


def test_batch_end_to_end(db, month, setup_billing, tmp_path):
    a, b, c = month
    batch = batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY)  # runs inline
    st = batches.batch_status(batch.id)
    assert (st.estado, st.feitas, st.percentual) == ("concluido", 3, 100)
    invs = {i.connection_id: i for i in db.scalars(select(Invoice).where(Invoice.batch_id == batch.id))}
    ia = invs[a.id]
    # the tender's example: 30 m3, one residential economia
    assert (ia.consumption, ia.water, ia.sewer, ia.total) == (30, D("67.65"), D("33.83"), D("101.48"))
    assert barcode_is_valid(ia.barcode) and ia.barcode[:3] == "826"
    assert ia.typed_line == typed_line(ia.barcode)
    assert ia.pix and ia.pix.endswith(f"{crc16_ccitt(ia.pix[:-4].encode()):04X}")
    # mixed categories: 60 m3 over 2 economias, residential + commercial
    ib = invs[b.id]
    assert ib.doc["tariff"]["lines"][0]["per_economia"] == "30.000"
    assert ib.water == D("67.65") + D("108.24")
    assert any("debitada automaticamente" in m or "Débito" in m or "debito" in m
               for m in ib.doc["messages"])
    # no sewer, zero consumption, a service billed
    ic = invs[c.id]
    assert (ic.consumption, ic.water, ic.sewer, ic.services, ic.total) == (
        0, D("18.90"), D("0.00"), D("42.00"), D("60.90"))
    assert db.scalar(select(ServiceCharge.invoice_id).where(ServiceCharge.connection_id == c.id)) == ic.id
    # the quality block, from the LIMS month closed through its services
    q = ia.doc["quality"]
    assert q["closed"] and q["label"] == f"{PREV[1]:02d}/{PREV[0]}"
    codes = [p["code"] for p in q["parameters"]]
    assert codes == ["turbidez", "cor_aparente", "cloro_residual_livre", "fluoreto",
                     "coliformes_totais", "escherichia_coli"]
    tu = next(p for p in q["parameters"] if p["code"] == "turbidez")
    assert (tu["analysed"], tu["conforming"]) == (8, 7)
    ct = next(p for p in q["parameters"] if p["code"] == "coliformes_totais")
    assert (ct["analysed"], ct["conforming"], ct["verdict"]) == (8, 8, "conforme")
    assert ic.doc["quality"]["parameters"] == [] and "não identificado" in ic.doc["quality"]["note"]
    # six-month history + current, oldest first
    assert [h["consumption"] for h in ia.doc["history"]] == [0, 18, 21, 21, 30]
    # the PDF on disk reads like a bill
    text = pdf_text(Path(ia.pdf_path).read_bytes(), tmp_path)
    for needle in ("FATURA DE ÁGUA E ESGOTO", "Ana Tender", format_matricula(a.matricula),
                   "TOTAL A PAGAR", "R$ 101,48", "QUALIDADE DA ÁGUA", "Turbidez", "Coliformes totais",
                   "Decreto 5.440", "11 a 15", "10,50", format_typed_line(ia.typed_line),
                   "Pague com PIX", "Cuidados em situação de risco"):
        assert needle in text, needle
    art = Path(__file__).resolve().parents[2] / "test-artifacts"
    if art.is_dir():  # for a person to look at (git-ignored)
        for name, inv in (("fatura-residencial", ia), ("fatura-mista", ib), ("fatura-sem-sistema", ic)):
            (art / f"{name}.pdf").write_bytes(Path(inv.pdf_path).read_bytes())
            (art / f"{name}.json").write_text(json.dumps(inv.doc, ensure_ascii=False, indent=1))
    text_c = pdf_text(Path(ic.pdf_path).read_bytes(), tmp_path)
    assert "Religação de água" in text_c and "R$ 42,00" in text_c and "Esgoto (imóvel não" in text_c
    # print file: one ZIP with the PDFs in delivery order and the manifest
    b_row = db.get(InvoiceBatch, batch.id)
    with zipfile.ZipFile(b_row.print_file) as z:
        names = z.namelist()
        assert len([n for n in names if n.endswith(".pdf")]) == 3 and "indice.csv" in names
        assert z.read(names[0])[:4] == b"%PDF" and names[0].startswith("000001-")
        assert "Ana Tender" in z.read("indice.csv").decode("utf-8-sig")
    # a second batch for the same group and month is refused
    with pytest.raises(Conflict):
        batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY)


def test_second_copy_cancel_paid_and_unpaid_message(db, month, setup_billing, tmp_path, monkeypatch):
    monkeypatch.setattr("commercial.services.pdfpool.default_processes", lambda: 0)
    a, _b, _c = month
    batch = batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY - dt.timedelta(days=20),
                                  due_date=TODAY - dt.timedelta(days=10))
    inv = db.scalars(select(Invoice).where(Invoice.batch_id == batch.id,
                                           Invoice.connection_id == a.id)).one()
    copy = invoices.second_copy(inv.id)
    assert "2ª VIA" in pdf_text(copy, tmp_path)
    db.refresh(inv)
    assert inv.copies == 1
    # unpaid and overdue: the next simulation tells the count and the amount
    doc = invoice_docs.simulate(a.id, TODAY.year, TODAY.month)
    assert any("1 fatura(s) em aberto" in m and "101,48" in m for m in doc["messages"])
    invoices.mark_paid(inv.number, TODAY)
    doc = invoice_docs.simulate(a.id, TODAY.year, TODAY.month)
    assert not any("em aberto" in m for m in doc["messages"])
    # the batch and the payment were published in their transactions, with what consumers need
    issued = _events("InvoiceBatchIssued")[-1]
    assert (issued.batch_id, issued.billing_group, issued.invoices) == (batch.id, setup_billing.number, 3)
    paid = _events("PaymentRegistered")[-1]
    assert (paid.number, paid.connection_id, paid.amount, paid.paid_on) == (
        inv.number, a.id, inv.total, TODAY)
    with pytest.raises(ValidationError):
        invoices.cancel_invoice(inv.id, "curto")
    with pytest.raises(Conflict):
        invoices.cancel_invoice(inv.id, "Leitura digitada errada pelo leiturista")  # already paid


def _events(kind: str) -> list:
    rows = session().scalars(select(OutboxMessage).where(OutboxMessage.event_type == kind)
                             .order_by(OutboxMessage.id))
    return [event_class(kind).from_payload(r.payload) for r in rows]


def test_sms_before_issue_and_invoice_email(db, app, month, setup_billing, monkeypatch):
    monkeypatch.setattr("commercial.services.pdfpool.default_processes", lambda: 0)
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    st = app.config["SAAE_SETTINGS"]
    monkeypatch.setitem(app.config, "SAAE_SETTINGS",
                        dataclasses.replace(st, smtp_host="127.0.0.1", smtp_port=port))
    sent = []
    delivery.set_sender(lambda channel, to, text: sent.append((channel, to, text)) or "id-1")
    try:
        a, b, c = month
        issue = TODAY + dt.timedelta(days=8)
        batch = batches.request_batch(setup_billing.id, *PREV, issue_date=issue)
        db.refresh(batch)
        assert batch.state == "pendente"  # waits for its issue date
        notes = db.scalars(select(Notice).where(Notice.kind == "aviso_emissao")).all()
        assert {n.connection_id for n in notes} == {a.id, b.id}  # c has no mobile/consent
        assert all(n.scheduled_for == TODAY for n in notes)
        text_b = next(n.text for n in notes if n.connection_id == b.id)
        assert f"emitida em {issue:%d/%m/%Y}" in text_b and "débito automático" in text_b
        counts = delivery.send_due_notices()
        assert counts == {"enviado": 2} and len(sent) == 2 and sent[0][1] == "+5519998765432"
        assert delivery.send_due_notices() == {}  # nothing twice
        batches.run_batch(batch.id)  # what run_due_batches starts on the issue date
        mails = db.scalars(select(Notice).where(Notice.kind == "fatura_email")).all()
        assert [m.state for m in mails] == ["enviado"]
        assert len(received) == 1 and received[0].rcpt_tos == ["ana@exemplo.com.br"]
        msg = email.message_from_bytes(received[0].content, policy=email.policy.default)
        assert "Fatura de água" in msg["Subject"]
        parts = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
        assert parts and parts[0].get_payload(decode=True)[:4] == b"%PDF"
        inv = db.scalars(select(Invoice).where(Invoice.connection_id == a.id)).one()
        assert inv.emailed_at is not None
    finally:
        delivery.set_sender(None)
        ctl.stop()


def test_batch_requires_tariff_and_valid_dates(db, setup_billing):
    with pytest.raises(ValidationError):
        batches.request_batch(setup_billing.id, 2026, 13)
    with pytest.raises(ValidationError):
        batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY, due_date=TODAY)
    assert db.scalar(select(func.count(InvoiceBatch.id))) == 0


def test_run_due_batches_starts_the_batches_whose_day_has_come(db, month, setup_billing, monkeypatch):
    """The beat job (saae.worker BEAT, hourly): a batch created without running (or dated in
    the future) is started when its issue date arrives, once."""
    monkeypatch.setattr("commercial.services.pdfpool.default_processes", lambda: 0)
    from commercial import tasks

    later = batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY + dt.timedelta(days=9))
    assert tasks.run_due_batches() == 0  # not yet
    db.delete(later)
    db.commit()
    batch = batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY, run=False)
    assert batches.batch_status(batch.id).estado == "pendente"
    assert tasks.run_due_batches() == 1
    assert batches.batch_status(batch.id).estado == "concluido"
    assert tasks.run_due_batches() == 0
