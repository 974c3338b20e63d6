"""Pages: readings import, invoice batches with their progress, invoices."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from flask import Response, flash, jsonify, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from commercial.domain.documents import format_matricula
from commercial.models import Invoice, InvoiceBatch
from commercial.services import batches, billing_groups, delivery, invoices, readings
from commercial.views.blueprints import bp
from core import fmt, jobs
from core.auth import require
from core.db import session
from core.errors import NotFound, ValidationError
from core.job_views import may_act
from core.web import current, query_int


def _month_args() -> tuple[int, int]:
    prev = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    try:
        y = int(request.values.get("ano") or prev.year)
        m = int(request.values.get("mes") or prev.month)
    except ValueError as exc:
        raise ValidationError("Mês ou ano inválido.", fields={"mes": ["invalido"]}) from exc
    if not (1 <= m <= 12 and 2000 <= y <= 2100):
        raise ValidationError("Mês ou ano inválido.", fields={"mes": ["1 a 12"]})
    return y, m


@bp.route("/leituras", methods=["GET", "POST"])
@require("commercial.readings.import")
def import_readings():  # type: ignore[no-untyped-def]
    groups = billing_groups.groups()
    y, m = _month_args()
    group_id = request.values.get("grupo", type=int) or (groups[0].id if groups else None)
    report = None
    if request.method == "POST":
        f = request.files.get("arquivo")
        if group_id is None or f is None or not f.filename:
            flash("Escolha o grupo e o arquivo CSV.", "erro")
        else:
            try:
                report = readings.import_csv(group_id, y, m, f.read(), f.filename,
                                             user_id=current().id)
                flash(f"{report.saved} leitura(s) gravada(s) de {report.file_name}.", "sucesso")
            except readings.ReadingFileInvalid as exc:
                report = exc.report
                flash(exc.message, "erro")
    status = readings.month_status(group_id, y, m) if group_id else None
    return render_template("commercial/leituras.html", groups=groups, group_id=group_id, year=y,
                           month=m, report=report, status=status)


@bp.route("/faturamento", methods=["GET", "POST"])
@require("commercial.billing.run")
def billing():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        y, m = _month_args()
        group_id = request.form.get("grupo", type=int)
        issue = request.form.get("emissao") or None
        due = request.form.get("vencimento") or None
        try:
            issue_d = dt.date.fromisoformat(issue) if issue else None
            due_d = dt.date.fromisoformat(due) if due else None
        except ValueError as exc:
            raise ValidationError("Data inválida.", fields={"emissao": ["AAAA-MM-DD"]}) from exc
        batch = batches.request_batch(group_id or 0, y, m, issue_date=issue_d, due_date=due_d,
                                      user_id=current().id)
        flash("Lote criado." + (" Processamento iniciado." if batch.issue_date <= dt.date.today()
                                else f" Será processado em {batch.issue_date:%d/%m/%Y}; "
                                     "os avisos por SMS já foram agendados."), "sucesso")
        return redirect(url_for("commercial.batch", batch_id=batch.id))
    y, m = _month_args()
    return render_template("commercial/faturamento.html", batches=batches.batches(),
                           groups=billing_groups.groups(), year=y, month=m,
                           today=dt.date.today().isoformat())


@bp.route("/faturamento/lotes/<int:batch_id>")
@require("commercial.billing.run")
def batch(batch_id: int):  # type: ignore[no-untyped-def]
    b = session().get(InvoiceBatch, batch_id)
    if b is None:
        raise NotFound("Lote não encontrado.")
    page = query_int("pagina", 1, minimum=1, maximum=100_000)
    rows = session().scalars(select(Invoice).where(Invoice.batch_id == batch_id)
                             .order_by(Invoice.seq).limit(51).offset((page - 1) * 50)).all()

    jobs.detect_interrupted()
    job = jobs.latest_for(batches.batch_subject(batch_id))
    status = batches.batch_status(batch_id)
    return render_template("commercial/lote.html", b=b, status=status, invoices=rows[:50],
                           more=len(rows) > 50, page=page, brl=fmt.money,
                           fmt=format_matricula, job=job,
                           may_act=job is not None and may_act(job), voltar=request.path)


@bp.route("/faturamento/lotes/<int:batch_id>/estado.json")
@require("commercial.billing.run")
def batch_status(batch_id: int):  # type: ignore[no-untyped-def]
    return jsonify(asdict(batches.batch_status(batch_id)))


@bp.route("/faturamento/lotes/<int:batch_id>/impressao.zip")
@require("commercial.billing.run")
def batch_print_file(batch_id: int):  # type: ignore[no-untyped-def]
    b = session().get(InvoiceBatch, batch_id)
    if b is None or not b.print_file:
        raise NotFound("Arquivo de impressão ainda não gerado.")
    return send_file(b.print_file, mimetype="application/zip", as_attachment=True,
                     download_name=f"lote-{b.id}-{b.month:02d}-{b.year}-impressao.zip")


@bp.route("/faturas/<int:invoice_id>/cancelar", methods=["POST"])
@require("commercial.invoices.manage")
def cancel_invoice(invoice_id: int):  # type: ignore[no-untyped-def]
    inv = invoices.cancel_invoice(invoice_id, request.form.get("motivo", ""))
    flash(f"Fatura {inv.number} cancelada.", "sucesso")
    return redirect(url_for("commercial.connection", connection_id=inv.connection_id))


@bp.route("/avisos")
@require("commercial.billing.run")
def notices():  # type: ignore[no-untyped-def]
    kind = request.args.get("tipo") or None
    return render_template("commercial/avisos.html", rows=delivery.notices(300, kind), kind=kind)


@bp.route("/leituras/modelo.csv")
@require("commercial.readings.import")
def readings_template():  # type: ignore[no-untyped-def]
    text = "matrícula;data;leitura;ocorrência\n12343;18/10/2026;1534;\n10007;18/10/2026;;portao fechado\n"
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="modelo-leituras.csv"'})

