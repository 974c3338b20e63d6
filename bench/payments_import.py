"""How fast a bank's collection return file of 25,000 lines is imported (target: under 10 s),
all or nothing per file, with the per-line report.

    .venv/bin/python bench/payments_import.py [--lines 25000]

Creates a scratch PostgreSQL database, migrates it, loads `--lines` connections with one issued
invoice each (bulk inserts, as a batch would leave them), builds a FEBRABAN 150 collection file
paying them (a few lines duplicated, unknown and with another amount, so every outcome of the
report is exercised), then times `return_import.import_return_file` (parse, match by barcode,
write the file, its lines, the payments, the invoice updates and their audit rows, commit).
Also times a malformed copy of the file (refused; nothing written). Prints wall and CPU time,
the statement count and the load average; drops the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from decimal import Decimal

from _scratch import scratch_app


def _load(n: int) -> list[tuple[str, Decimal]]:
    """n connections with one issued invoice each; returns their (barcode, total)."""
    from sqlalchemy import insert

    from commercial.domain.documents import matricula_with_dv
    from commercial.domain.febraban import collection_barcode, invoice_free_field, typed_line
    from commercial.models import Connection, Consumer, Invoice
    from core.db import session, utcnow

    now, today = utcnow(), dt.date.today()
    due = today + dt.timedelta(days=10)
    ids = [r[0] for r in session.execute(insert(Consumer.__table__).returning(Consumer.__table__.c.id), [
        {"name": f"Cliente {i}", "phones": [], "channels": [], "consent": False,
         "invoice_by_email": False, "created_at": now, "updated_at": now} for i in range(n)])]
    conns = [{"number": 700_000 + i, "matricula": matricula_with_dv(700_000 + i), "consumer_id": cid,
              "street": "Rua A", "house_number": str(i), "neighbourhood": "Centro", "city": "Vale Verde",
              "search_key": "rua a centro", "residencial": 1, "comercial": 0, "industrial": 0,
              "publica": 0, "social": 0, "tariff_type": "normal", "has_sewer": True,
              "meter_telemetered": False, "situation": "ativa", "direct_debit": False, "route_seq": i,
              "created_at": now, "updated_at": now} for i, cid in enumerate(ids)]
    conn_ids = [r[0] for r in session.execute(insert(Connection.__table__).returning(Connection.__table__.c.id), conns)]
    out, rows = [], []
    for i, (cid, cons) in enumerate(zip(conn_ids, ids, strict=True)):
        total = Decimal(3000 + i % 9000) / 100
        code = collection_barcode(total, "0123", invoice_free_field(due, conns[i]["matricula"], today.year, today.month))
        out.append((code, total))
        rows.append({"number": f"B{i:012d}", "seq": i, "connection_id": cid, "consumer_id": cons,
                     "year": today.year, "month": today.month, "issue_date": today, "due_date": due,
                     "consumption": 10, "water": total, "sewer": Decimal(0), "services": Decimal(0),
                     "total": total, "barcode": code, "typed_line": typed_line(code), "state": "emitida",
                     "doc": {}, "copies": 0, "created_at": now, "updated_at": now})
    for k in range(0, n, 5000):
        session.execute(insert(Invoice.__table__), rows[k:k + 5000])
    session.commit()
    return out


def _file(invoices: list[tuple[str, Decimal]], lines: int) -> bytes:
    from commercial.domain.return_layout import COLLECTION, build_return_file

    today = dt.date.today()
    details = [{"paid_on": today, "credited_on": today, "barcode": code, "amount": total,
                "channel": "3", "payment_form": "3"} for code, total in invoices[:lines - 30]]
    details += [dict(details[k]) for k in range(10)]  # duplicates
    details += [{"paid_on": today, "credited_on": today, "barcode": "8" + f"{k:043d}", "amount": Decimal("9.99")}
                for k in range(10)]  # unknown
    details += [{"paid_on": today, "credited_on": today, "barcode": code, "amount": total + 1}
                for code, total in invoices[lines - 30:lines - 20]]  # amount differs
    return build_return_file(COLLECTION, details, generated_on=today, sequence=42)


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of the PostgreSQL backend serving us, when it runs on this
    machine: with the bench's own CPU time, what the import costs whatever the load."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(app, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event, func, select, text

    from commercial.models.payments import Payment, ReturnFile
    from commercial.services import return_import
    from core.db import get_engine, session

    with app.app_context():
        t = time.perf_counter()
        invoices = _load(args.lines)
        print(f"loaded {len(invoices)} invoices in {time.perf_counter() - t:.1f} s")
        content = _file(invoices, args.lines)
        bad = content[:-264] + b"X" + content[-263:]  # a letter in the last detail's barcode
        statements = [0]
        slow: list[tuple[float, str]] = []
        started: list[float] = []

        def before(*_a):  # type: ignore[no-untyped-def]
            statements[0] += 1
            started.append(time.perf_counter())

        def after(_c, _cur, stmt, *_a):  # type: ignore[no-untyped-def]
            slow.append((time.perf_counter() - started.pop(), " ".join(stmt.split())[:90]))

        event.listen(get_engine(), "before_cursor_execute", before)
        event.listen(get_engine(), "after_cursor_execute", after)
        t, c = time.perf_counter(), time.process_time()
        try:
            return_import.import_return_file(bad, "quebrado.ret")
        except return_import.ReturnFileInvalid as exc:
            print(f"malformed file refused in {time.perf_counter() - t:.2f} s: {exc.message}")
        session.rollback()
        statements[0] = 0
        slow.clear()
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        db0 = _backend_cpu(backend)
        t, c = time.perf_counter(), time.process_time()
        f = return_import.import_return_file(content, "ARRECADACAO_BENCH.RET")
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        db1 = _backend_cpu(backend)
        db_cpu = f"{db1 - db0:.2f} s" if db0 is not None and db1 is not None else "unknown"
        print(f"imported {f.lines} lines in {wall:.2f} s wall, {cpu:.2f} s CPU (this process), "
              f"{db_cpu} CPU (database backend), {statements[0]} statements; "
              f"target < 10 s: {'OK' if wall < 10 else 'MISSED'}")
        print("slowest statements (s):", *(f"\n  {t:.2f} {q}" for t, q in sorted(slow, reverse=True)[:6]))
        print("per-line report:", dict(sorted(f.counts.items())))
        print("payments:", session.scalar(select(func.count(Payment.id))),
              "files:", session.scalar(select(func.count(ReturnFile.id))))
        print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=25_000)
    args = ap.parse_args()
    with scratch_app("saae_bench_payments", "/tmp/saae-bench-payments") as app:
        run(app, args)


if __name__ == "__main__":
    main()
