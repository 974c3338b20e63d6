"""The invoice batch of a billing group and month: scheduled, run as a background job (one
transaction, PDFs rendered by worker processes, the print shop's file), its progress and
cancellation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

from commercial.events import InvoiceBatchIssued
from commercial.models import (
    BatchState,
    BillingGroup,
    Connection,
    Invoice,
    InvoiceBatch,
    ServiceCharge,
    Situation,
)
from commercial.services import delivery, payment_plans
from commercial.services.billing_groups import match_systems
from commercial.services.billing_parameters import parameters
from commercial.services.invoice_context import make_context
from commercial.services.invoice_docs import due_date_for, invoice_row, iter_docs
from commercial.services.pdfpool import Renderer
from core import jobs
from core.audit import audit_context
from core.db import get_engine, get_or_404, session, transactional, unit_of_work, utcnow
from core.errors import Conflict, NotFound, ValidationError
from core.events import publish
from core.web import settings as _settings

log = logging.getLogger(__name__)


def _billable(group_id: int) -> Any:
    return (select(Connection.id).where(Connection.billing_group_id == group_id,
                                        Connection.situation != Situation.REMOVED.value)
            .order_by(Connection.neighbourhood, Connection.street, Connection.route_seq,
                      Connection.id))


def invoices_dir() -> Path:
    try:
        base = Path(_settings().data_dir)
    except Exception:  # noqa: BLE001
        base = Path("var")
    return base / "commercial" / "faturas"


def request_batch(group_id: int, year: int, month: int, *, issue_date: dt.date | None = None,
                  due_date: dt.date | None = None, user_id: int | None = None,
                  run: bool = True) -> InvoiceBatch:
    """Schedule the invoice batch of a group and month; the job runs in the background
    (core.tasks) and its progress is on the batch row. A batch dated in the future waits for
    `tasks.run_due_batches`; its SMS notices are scheduled now."""
    batch = _create_batch(group_id, year, month, issue_date=issue_date, due_date=due_date,
                          user_id=user_id)
    # enqueued after the commit, so a worker never looks for a batch row it cannot see yet
    if run and batch.issue_date <= dt.date.today():
        start_batch_job(batch.id, user_id=user_id)
    return batch


def batch_subject(batch_id: int) -> str:
    return f"commercial.batch:{batch_id}"


def start_batch_job(batch_id: int, *, user_id: int | None = None, start: bool = True) -> Any:
    """Queue the batch as a tracked job (heartbeat, interruption, resume/cancel: core.jobs)."""

    b = session().get(InvoiceBatch, batch_id)
    assert b is not None
    return jobs.submit("commercial.tasks.run_batch",
                       f"Lote de faturas #{b.id} ({b.month:02d}/{b.year})",
                       subject=batch_subject(b.id), kwargs={"batch_id": b.id},
                       cancel_path="commercial.tasks.cancel_batch",
                       permission="commercial.billing.run", user_id=user_id, start=start)


@transactional
def cancel_batch(batch_id: int) -> None:
    """The job was cancelled: nothing of the batch was stored (one transaction); its partial
    PDFs go, and a new batch for the month may be requested."""

    b = session().get(InvoiceBatch, batch_id)
    if b is None or b.state == BatchState.DONE.value:
        return
    with audit_context(reason="Lote de faturas cancelado"):
        b.state = BatchState.CANCELLED.value
        b.finished_at = utcnow()
        b.error = "Cancelado antes de concluir; nenhuma fatura foi emitida."
    shutil.rmtree(invoices_dir() / f"{b.year}-{b.month:02d}" / f"lote-{batch_id}",
                  ignore_errors=True)


@transactional
def _create_batch(group_id: int, year: int, month: int, *, issue_date: dt.date | None,
                  due_date: dt.date | None, user_id: int | None) -> InvoiceBatch:
    s = session()
    group = s.get(BillingGroup, group_id)
    if group is None:
        raise NotFound("Grupo de faturamento não encontrado.")
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValidationError("Mês de referência inválido.", fields={"mes": ["1 a 12"]})
    running = s.scalars(select(InvoiceBatch).where(
        InvoiceBatch.billing_group_id == group_id, InvoiceBatch.year == year,
        InvoiceBatch.month == month,
        InvoiceBatch.state.in_([BatchState.PENDING.value, BatchState.PROCESSING.value,
                                BatchState.DONE.value]))).first()
    if running is not None:
        raise Conflict(f"Já existe um lote deste grupo para {month:02d}/{year} "
                       f"({running.state}).")
    issue = issue_date or dt.date.today()
    p = parameters()
    due = due_date or due_date_for(group, issue, p)
    if (due - issue).days < p.due_days_min:
        raise ValidationError(f"O vencimento deve ficar ao menos {p.due_days_min} dias após a emissão.",
                              fields={"vencimento": ["cedo demais"]})
    with audit_context(reason=f"Lote de faturas do grupo {group.number} {month:02d}/{year}"):
        batch = InvoiceBatch(billing_group_id=group_id, year=year, month=month, issue_date=issue,
                             due_date=due, requested_by_id=user_id, state=BatchState.PENDING.value)
        s.add(batch)
        s.flush()

    delivery.schedule_issue_notices(batch)
    return batch


def _progress(batch_id: int, done: int) -> None:
    """Progress that the page can poll while the batch's own transaction is still open."""
    eng = get_engine()
    if eng.dialect.name != "postgresql":
        return
    try:
        with eng.connect() as c:
            c.execute(text("SET LOCAL lock_timeout = '200ms'"))
            c.execute(update(InvoiceBatch.__table__).where(InvoiceBatch.__table__.c.id == batch_id)
                      .values(done=done))
            c.commit()
    except Exception:  # noqa: BLE001  progress is best effort
        log.debug("progress update skipped", exc_info=True)


def run_batch(batch_id: int, *, processes: int | None = None, print_file: bool = True) -> dict[str, Any]:
    """The background job: compute and store every invoice of the batch (one transaction),
    render their PDFs in worker processes, write the print file. Returns figures."""
    s = session()
    batch = s.get(InvoiceBatch, batch_id)
    if batch is None:
        raise NotFound("Lote não encontrado.")

    # PROCESSANDO only when a person resumed the job of a dead worker: its transaction died
    # with it, so no invoice of the batch exists and the run starts over
    resumable = (BatchState.PENDING.value, BatchState.FAILED.value,
                 *((BatchState.PROCESSING.value,) if jobs.resuming() else ()))
    if batch.state not in resumable:
        return {"state": batch.state}
    with unit_of_work_reason("Início do lote de faturas"):
        batch.state = BatchState.PROCESSING.value
        batch.started_at = utcnow()
        batch.error = None
        batch.done = 0
    t0 = time.perf_counter()
    try:
        figures = _run(batch_id, processes=processes, print_file=print_file)
    except Exception as exc:
        s.rollback()
        log.exception("invoice batch %s failed", batch_id)
        b = s.get(InvoiceBatch, batch_id)
        if b is not None:  # None when the caller's own transaction held the batch row
            with unit_of_work_reason("Falha no lote de faturas"):
                b.state = BatchState.FAILED.value
                b.error = str(exc)[:2000]
                b.finished_at = utcnow()
        raise
    figures["seconds"] = round(time.perf_counter() - t0, 2)
    return figures


class unit_of_work_reason:  # noqa: N801  small helper: a unit of work with an audit reason
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __enter__(self) -> None:
        self._ac = audit_context(reason=self.reason)
        self._ac.__enter__()
        self._uow = unit_of_work()
        self._uow.__enter__()

    def __exit__(self, *exc: Any) -> None:
        try:
            self._uow.__exit__(*exc)
        finally:
            self._ac.__exit__(*exc)


def _run(batch_id: int, *, processes: int | None, print_file: bool) -> dict[str, Any]:
    s = session()
    batch = s.get(InvoiceBatch, batch_id)
    assert batch is not None
    group = s.get(BillingGroup, batch.billing_group_id)
    match_systems()  # connections typed before the LIMS knew their system get its id now
    ctx = make_context(batch.year, batch.month, batch.issue_date, batch.due_date, group)
    payment_plans.bill_due_instalments(batch.due_date, batch.billing_group_id)  # on this invoice
    conn_ids = list(s.scalars(_billable(batch.billing_group_id)))
    skipped: list[dict[str, str]] = []
    out_dir = _fresh_dir(batch)
    seq = 0
    timings = {"compute": 0.0, "insert": 0.0}
    renderer = Renderer(processes)
    index: list[tuple[Any, ...]] = []  # the print file's manifest, in delivery order
    try:
        with audit_context(reason=f"Lote de faturas {batch.month:02d}/{batch.year}"):
            t = time.perf_counter()
            for chunk in iter_docs(ctx, conn_ids, skipped):
                timings["compute"] += time.perf_counter() - t
                t = time.perf_counter()
                seq = _store_chunk(chunk, batch_id, seq, out_dir, index, renderer)
                timings["insert"] += time.perf_counter() - t
                _progress(batch_id, seq)
                jobs.progress(seq, len(conn_ids))
                t = time.perf_counter()
            pdf_figures = renderer.finish()
    finally:
        renderer.close()
    t = time.perf_counter()
    print_path = _bundle_print_file(out_dir, index, batch_id) if print_file and index else None
    timings["print_file"] = time.perf_counter() - t
    _conclude(batch_id, seq, skipped, print_path, group)
    delivery.queue_invoice_emails(batch_id)
    return {"invoices": seq, "skipped": len(skipped), **{k: round(v, 2) for k, v in timings.items()},
            **pdf_figures, "print_file": print_path}


def _fresh_dir(batch: InvoiceBatch) -> Path:
    """The batch's PDF folder, emptied of an earlier (failed) run's files."""
    out_dir = invoices_dir() / f"{batch.year}-{batch.month:02d}" / f"lote-{batch.id}"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.pdf"):
        old.unlink()
    return out_dir


def _store_chunk(chunk: list[tuple[dict[str, Any], int, list[int]]], batch_id: int, seq: int,
                 out_dir: Path, index: list[tuple[Any, ...]], renderer: Renderer) -> int:
    """Insert a chunk's invoices, bill their services, hand their PDFs to the renderer;
    returns the last sequence number."""
    s = session()
    rows, items, service_ids = [], [], []
    for doc, consumer_id, sids in chunk:
        seq += 1
        path = out_dir / f"{doc['number']}.pdf"
        row = invoice_row(doc, batch_id, seq, consumer_id)
        row["pdf_path"] = str(path)
        rows.append(row)
        items.append((str(path), doc))
        service_ids.extend((sid, doc["number"]) for sid in sids)
        cn = doc["connection"]
        index.append((seq, doc["number"], cn["matricula"], doc["customer"]["name"],
                      cn["address"], cn["neighbourhood"], doc["amounts"]["total"],
                      doc["due_date"], path.name))
    if rows:
        s.execute(insert(Invoice.__table__), rows)
        for sid, number in service_ids:
            inv_id = s.scalar(select(Invoice.id).where(Invoice.number == number))
            s.execute(update(ServiceCharge.__table__)
                      .where(ServiceCharge.__table__.c.id == sid).values(invoice_id=inv_id))
        renderer.submit(items, None)
    return seq


def _conclude(batch_id: int, seq: int, skipped: list[dict[str, str]], print_path: str | None,
              group: BillingGroup | None) -> None:
    """Mark the batch done and publish it, committing the batch's one transaction."""
    s = session()
    batch = s.get(InvoiceBatch, batch_id)
    assert batch is not None
    with audit_context(reason=f"Lote de faturas concluído: {seq} faturas"):
        batch.state = BatchState.DONE.value
        batch.total = seq + len(skipped)
        batch.done = seq
        batch.skipped = skipped[:5000]
        batch.finished_at = utcnow()
        batch.print_file = print_path
        publish(InvoiceBatchIssued(batch_id=batch_id, billing_group=group.number if group else 0,
                                   year=batch.year, month=batch.month, invoices=seq,
                                   skipped=len(skipped), due_date=batch.due_date))
        s.commit()


def _bundle_print_file(out_dir: Path, index: list[tuple[Any, ...]], batch_id: int) -> str:
    """The print shop's file: one ZIP with every invoice PDF in delivery order (neighbourhood,
    street, route) and `indice.csv` listing sequence, number, addressee and amount."""

    path = out_dir.parent / f"lote-{batch_id}-impressao.zip"
    manifest = io.StringIO()
    w = csv.writer(manifest, delimiter=";")
    w.writerow(["sequencia", "numero", "matricula", "cliente", "endereco", "bairro", "total",
                "vencimento", "arquivo"])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for row in index:
            w.writerow(row)
            z.write(out_dir / row[-1], arcname=f"{row[0]:06d}-{row[-1]}")
        z.writestr("indice.csv", manifest.getvalue().encode("utf-8-sig"),
                   compress_type=zipfile.ZIP_DEFLATED)
    return str(path)


@dataclass(frozen=True)
class BatchProgress:
    """A batch's progress, as its page and the API show it (the JSON keys are pt-BR)."""

    id: int
    estado: str
    motivo: str | None  # why an interrupted batch stopped
    feitas: int
    total: int
    percentual: int
    ignoradas: int
    erro: str | None
    inicio: str | None
    fim: str | None


def batch_status(batch_id: int) -> BatchProgress:
    """What the progress page polls (reads committed progress)."""
    b = get_or_404(InvoiceBatch, batch_id, "Lote não encontrado.")
    session().refresh(b)
    total = b.total or 0
    if b.state in (BatchState.PENDING.value, BatchState.PROCESSING.value) and not total:
        total = session().scalar(select(func.count()).select_from(
            _billable(b.billing_group_id).subquery())) or 0
    pct = 100 if b.state == BatchState.DONE.value else (int(b.done * 100 / total) if total else 0)
    state, reason = b.state, None
    if b.state in (BatchState.PENDING.value, BatchState.PROCESSING.value):
        job = jobs.latest_for(batch_subject(b.id))
        if job is not None and job.state == jobs.JobState.INTERRUPTED:
            state, reason = "interrompido", job.interrupted_reason
        elif job is not None and job.state == jobs.JobState.RUNNING and job.done > b.done:
            b.done = job.done  # SQLite: progress only on the job row (heartbeat)
    return BatchProgress(id=b.id, estado=state, motivo=reason, feitas=b.done, total=total,
                         percentual=pct, ignoradas=len(b.skipped or []), erro=b.error,
                         inicio=b.started_at.isoformat() if b.started_at else None,
                         fim=b.finished_at.isoformat() if b.finished_at else None)


def batches(limit: int = 50) -> list[InvoiceBatch]:
    return list(session().scalars(select(InvoiceBatch).order_by(InvoiceBatch.id.desc()).limit(limit)))
