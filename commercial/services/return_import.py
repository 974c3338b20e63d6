"""Importing a bank return file (FEBRABAN 150: collection by barcode, or direct debit): all or
nothing per file. A malformed file is refused with the line and position of the first problem
and nothing is written; the same file twice is refused (its SHA-256, and the bank's file
sequence number); a good file is kept byte for byte with every line's outcome, and only the
lines that plainly settle an open invoice (or return its debit) are applied."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_

from commercial.domain.return_layout import (
    COLLECTION,
    DEBIT_RETURN_CODES,
    LayoutError,
    parse_return_file,
)
from commercial.domain.return_outcomes import (
    LineOutcome,
    LineResult,
    OpenInvoice,
    classify,
    debit_keys,
    decide_collection,
    decide_debit,
)
from commercial.events import ReturnFileImported
from commercial.models import Connection, Invoice, InvoiceState
from commercial.models.payments import Payment, PaymentSource, ReturnFile, ReturnLine
from commercial.services.bulk import insert_rows, text_in
from commercial.services.payment_records import Returned, Settlement, record_returns, settle
from core import fmt
from core.audit import audit_context, current_actor
from core.db import chunks, ids_in, session, transactional, utcnow
from core.errors import Conflict, ValidationError
from core.events import publish

MAX_BYTES = 20 * 1024 * 1024  # 25,000 lines are 3.8 MB


class ReturnFileInvalid(ValidationError, code="arquivo_retorno_invalido"):
    """The file breaks the layout; `line` and `position` say where (nothing was written)."""

    def __init__(self, exc: LayoutError) -> None:
        super().__init__(f"Arquivo de retorno recusado, nada foi gravado. {exc.message}",
                         fields={"arquivo": [exc.message]})
        self.line, self.position, self.field = exc.line, exc.position, exc.field


def _refuse_repeated(digest: str, header: dict[str, Any], kind: str) -> None:
    s = session()
    same = s.scalars(select(ReturnFile).where(ReturnFile.sha256 == digest)).first()
    if same is not None:
        raise Conflict(f"Este arquivo já foi importado em {fmt.date_time(same.created_at)} por "
                       f"{same.username or 'sistema'} (arquivo nº {same.id}, {same.file_name}).",
                       code="arquivo_ja_importado")
    nsa = s.scalars(select(ReturnFile).where(
        ReturnFile.kind == kind, ReturnFile.bank_code == header["bank_code"],
        ReturnFile.agreement == header["agreement"],
        ReturnFile.sequence == int(header["sequence"]))).first()
    if nsa is not None:
        raise Conflict(f"O banco {header['bank_code']} já enviou o arquivo de sequência (NSA) "
                       f"{int(header['sequence'])} deste convênio: importado em "
                       f"{fmt.date_time(nsa.created_at)} (arquivo nº {nsa.id}).",
                       code="arquivo_ja_importado")


def _open(rows: Any) -> dict[int, OpenInvoice]:
    """OpenInvoice per invoice id, with the date of the payment that settled it, if any."""
    invs = {r.id: r for r in rows}
    paid: dict[int, dt.date] = {}
    for part in chunks(list(invs)):
        paid.update(session().execute(select(Payment.invoice_id, Payment.paid_on)
                                      .where(ids_in(Payment.invoice_id, part))).all())
    return {i: OpenInvoice(i, r.number, Decimal(r.total), r.state == InvoiceState.CANCELLED.value,
                           paid.get(i)) for i, r in invs.items()}


def _collection_results(details: list[dict[str, Any]]) -> list[LineResult]:
    codes = list({d["barcode"] for d in details})
    t = Invoice.__table__.c
    rows = []
    for part in chunks(codes, 5000):
        rows += session().execute(select(t.id, t.number, t.total, t.state, t.barcode)
                                  .where(text_in(t.barcode, part))).all()
    opened = _open(rows)
    # a barcode printed on two invoices (a reissue) pays the newest one
    by_code = {r.barcode: opened[r.id] for r in sorted(rows, key=lambda r: r.id)}
    return classify(details, lambda d: by_code.get(d["barcode"]), lambda d: d["barcode"],
                    decide_collection)


def _debit_results(details: list[dict[str, Any]]) -> list[LineResult]:
    numbers = list({debit_keys(d)[0] for d in details} - {""})
    pairs = list({debit_keys(d)[1] for d in details if debit_keys(d)[1][0]})
    t, c = Invoice.__table__.c, Connection.__table__.c
    stmt = (select(t.id, t.number, t.total, t.state, c.matricula, t.due_date)
            .join(Connection.__table__, c.id == t.connection_id))
    rows = []
    for part in chunks(numbers, 5000):
        rows += session().execute(stmt.where(text_in(t.number, part))).all()
    for part in chunks(pairs, 2000):
        rows += session().execute(stmt.where(tuple_(c.matricula, t.due_date).in_(part))).all()
    opened = _open(rows)
    by_number = {r.number: opened[r.id] for r in rows}
    by_pair = {(r.matricula.lstrip("0"), r.due_date): opened[r.id] for r in sorted(rows, key=lambda r: r.id)}

    def find(d: dict[str, Any]) -> OpenInvoice | None:
        number, pair = debit_keys(d)
        return by_number.get(number) or by_pair.get(pair)

    # a line's identity in the file is the invoice it found (two lines, one invoice: duplicate)
    return classify(details, find, lambda d: str(getattr(find(d), "id", "")), decide_debit)


def _line_rows(file_id: int, kind: str, details: list[dict[str, Any]],
               results: list[LineResult]) -> list[dict[str, Any]]:
    out = []
    for d, r in zip(details, results, strict=True):
        out.append({
            "file_id": file_id, "line_no": d["line"], "record": d["record"],
            "barcode": d.get("barcode"), "amount": d["amount"], "outcome": r.outcome.value,
            "reference": None if kind == COLLECTION else f"{d['client_id']} {d['company_use'][:20].strip()}"[:60],
            "invoice_id": r.invoice.id if r.invoice else None,
            "paid_on": d.get("paid_on") or d.get("debit_on"), "credited_on": d.get("credited_on"),
            "expected": r.invoice.total if r.invoice else None, "return_code": d.get("return_code"),
            "message": r.message[:300]})
    return out


def _apply(kind: str, rows: list[dict[str, Any]], line_ids: list[int], reason: str) -> Decimal:
    source = PaymentSource.COLLECTION.value if kind == COLLECTION else PaymentSource.DIRECT_DEBIT.value
    paid, returned = [], []
    for row, line_id in zip(rows, line_ids, strict=True):
        if row["outcome"] in (LineOutcome.PAID, LineOutcome.DEBITED):
            paid.append(Settlement(row["invoice_id"], source, row["paid_on"], row["amount"],
                                   row["credited_on"], line_id))
        elif row["outcome"] == LineOutcome.DEBIT_RETURNED:
            returned.append(Returned(row["invoice_id"], row["paid_on"], row["return_code"],
                                     DEBIT_RETURN_CODES.get(row["return_code"], ""), line_id))
    settle(paid, reason)
    record_returns(returned, reason)
    return sum((p.amount for p in paid), Decimal(0))


@transactional
def import_return_file(content: bytes, file_name: str) -> ReturnFile:
    """Import one return file (collection or direct debit, told by its header) as the
    current user; raises ReturnFileInvalid (layout, with line and position) or Conflict
    (already imported), and then nothing is written."""
    if not content:
        raise ValidationError("Escolha o arquivo de retorno.", fields={"arquivo": ["Arquivo vazio."]})
    if len(content) > MAX_BYTES:
        raise ValidationError("Arquivo grande demais (máximo 20 MB).", fields={"arquivo": ["grande demais"]})
    try:
        parsed = parse_return_file(content)
    except LayoutError as exc:
        raise ReturnFileInvalid(exc) from None
    digest = hashlib.sha256(content).hexdigest()
    _refuse_repeated(digest, parsed.header, parsed.kind)
    results = (_collection_results if parsed.kind == COLLECTION else _debit_results)(parsed.details)
    actor, h = current_actor(), parsed.header
    name = (file_name or "retorno.txt")[-200:]
    reason = f"Arquivo de retorno {name} (banco {h['bank_code']}, NSA {int(h['sequence'])})"
    with audit_context(reason=reason):
        f = ReturnFile(kind=parsed.kind, file_name=name, sha256=digest, size=len(content),
                       content=content, bank_code=h["bank_code"], bank_name=h["bank_name"],
                       agreement=h["agreement"], sequence=int(h["sequence"]),
                       generated_on=h["generated_on"], layout_version=h["version"],
                       lines=len(parsed.details), total=parsed.trailer["total"],
                       counts=dict(Counter(r.outcome.value for r in results)),
                       user_id=actor.user_id, username=actor.username)
        session().add(f)
        session().flush()
        rows = _line_rows(f.id, parsed.kind, parsed.details, results)
        insert_rows(ReturnLine.__table__, rows)
        by_no = dict(session().execute(select(ReturnLine.line_no, ReturnLine.id)
                                       .where(ReturnLine.file_id == f.id)).all())
        line_ids = [by_no[r["line_no"]] for r in rows]
        f.applied_amount = _apply(parsed.kind, rows, line_ids, reason)
        f.updated_at = utcnow()
        publish(ReturnFileImported(file_id=f.id, kind=f.kind, lines=f.lines,
                                   counts=dict(f.counts), applied_amount=f.applied_amount))
    return f
