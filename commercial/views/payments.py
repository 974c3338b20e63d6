"""Pages of the banks' return files: the upload with its per-line report, the list of files, the
original file's download, and an invoice's payments (payment, returned debits, instalments)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from commercial.domain.documents import format_matricula
from commercial.domain.return_outcomes import OUTCOME_TONE, LineOutcome
from commercial.models import Invoice
from commercial.models.payments import ReturnFile, ReturnKind, ReturnLine
from commercial.services import invoices, payment_plans, payment_records, return_import
from commercial.views.blueprints import bp
from core.auth import require
from core.db import get_or_404, session
from core.errors import Conflict, ValidationError
from core.web import query_int

PER_PAGE = 200
KIND_LABELS = ReturnKind.labels()
SOURCE_LABELS = {"arrecadacao": "arrecadação (código de barras)",
                 "debito_automatico": "débito automático", "manual": "informado manualmente"}


@bp.route("/retornos", methods=["GET", "POST"])
@require("commercial.payments.import")
def return_files():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        f = request.files.get("arquivo")
        try:
            if f is None or not f.filename:
                raise ValidationError("Escolha o arquivo de retorno do banco.")
            rf = return_import.import_return_file(f.read(), f.filename)
        except (ValidationError, Conflict) as exc:
            error = exc.message
        else:
            flash(f"Arquivo {rf.file_name} importado: {rf.lines} linha(s).", "sucesso")
            return redirect(url_for("commercial.return_file", file_id=rf.id))
    files = session().scalars(select(ReturnFile).order_by(ReturnFile.id.desc()).limit(100)).all()
    return render_template("commercial/retornos.html", files=files, error=error,
                           kinds=KIND_LABELS, labels=LineOutcome.labels(), tones=OUTCOME_TONE), \
        (422 if error else 200)


@bp.route("/retornos/<int:file_id>")
@require("commercial.payments.import")
def return_file(file_id: int):  # type: ignore[no-untyped-def]
    rf = get_or_404(ReturnFile, file_id, "Arquivo de retorno não encontrado.")
    outcome = request.args.get("resultado") or ""
    if outcome and outcome not in LineOutcome._value2member_map_:
        outcome = ""
    page = query_int("pagina", 1, minimum=1)
    stmt = select(ReturnLine).where(ReturnLine.file_id == rf.id)
    if outcome:
        stmt = stmt.where(ReturnLine.outcome == outcome)
    total = session().scalar(select(func.count()).select_from(stmt.subquery())) or 0
    lines = session().scalars(stmt.order_by(ReturnLine.line_no).limit(PER_PAGE)
                              .offset((page - 1) * PER_PAGE)).all()
    numbers = dict(session().execute(select(Invoice.id, Invoice.number).where(
        Invoice.id.in_([ln.invoice_id for ln in lines if ln.invoice_id]))).all())
    return render_template("commercial/retorno.html", f=rf, lines=lines, numbers=numbers,
                           outcome=outcome, page=page, pages=max(1, -(-total // PER_PAGE)),
                           total=total, kinds=KIND_LABELS, labels=LineOutcome.labels(),
                           tones=OUTCOME_TONE)


@bp.route("/retornos/<int:file_id>/original")
@require("commercial.payments.import")
def return_file_original(file_id: int):  # type: ignore[no-untyped-def]
    rf = get_or_404(ReturnFile, file_id, "Arquivo de retorno não encontrado.")
    name = "".join(ch for ch in rf.file_name if ch.isalnum() or ch in "._-") or "retorno.txt"
    return Response(rf.content, mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/faturas/<int:invoice_id>/pagamentos")
@require("commercial.invoices.view")
def invoice_payments(invoice_id: int):  # type: ignore[no-untyped-def]
    inv = invoices.get_invoice(invoice_id)
    lines = session().scalars(select(ReturnLine).where(ReturnLine.invoice_id == inv.id)
                              .order_by(ReturnLine.id)).all()
    files = {f.id: f for f in session().scalars(select(ReturnFile).where(
        ReturnFile.id.in_({ln.file_id for ln in lines})))}
    return render_template("commercial/fatura_pagamentos.html", inv=inv,
                           payment=payment_records.payment_of(inv.id),
                           returns=payment_records.returns_of(inv.id), lines=lines, files=files,
                           instalments=payment_plans.instalments_on_invoice(inv.id),
                           plans=payment_plans.plans_of(inv.connection_id),
                           instalments_of=payment_plans.instalments_of,
                           matricula=format_matricula(inv.connection.matricula),
                           labels=LineOutcome.labels(), tones=OUTCOME_TONE,
                           sources=SOURCE_LABELS)
