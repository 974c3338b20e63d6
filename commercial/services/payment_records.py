"""Writing payments and returned debits, in bulk (a return file of 25,000 lines) or one at a
time (a payment a Gestor informs): the `Payment` / `DebitReturn` rows, the invoice's state and
dates following them, the plan instalments billed on the paid invoices, and the audit rows of
all of it (set-based statements the flush hook does not see are audited here explicitly)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from commercial.models import Invoice, InvoiceState
from commercial.models.payments import DebitReturn, Payment
from commercial.services import payment_plans
from commercial.services.bulk import insert_rows
from core.audit import AuditLog, current_actor, record_updates
from core.db import chunks, ids_in, session, utcnow


@dataclass(frozen=True)
class Settlement:
    """One invoice settled: by which line of which kind of file (or by hand), when, how much."""

    invoice_id: int
    source: str
    paid_on: dt.date
    amount: Decimal
    credited_on: dt.date | None = None
    line_id: int | None = None


@dataclass(frozen=True)
class Returned:
    invoice_id: int
    returned_on: dt.date
    return_code: str
    reason: str
    line_id: int | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit_inserts(table: str, rows: list[dict[str, Any]], reason: str) -> None:
    """Audit rows for records written by a bulk INSERT (each row with its "id")."""
    actor, now = current_actor(), utcnow()
    insert_rows(AuditLog.__table__, [
        {"at": now, "user_id": actor.user_id, "username": actor.username, "action": "insert",
         "model": table, "row_id": str(r["id"]),
         "changes": {k: [None, _plain(v)] for k, v in r.items() if k not in ("id", "created_at", "updated_at")},
         "reason": reason} for r in rows])


def _insert(model: type[Any], rows: list[dict[str, Any]], reason: str, key: str | None = None) -> None:
    """Bulk INSERT, audited. `key`: a unique integer column that finds the new rows again (no
    RETURNING needed, so PostgreSQL takes them through COPY)."""
    if not rows:
        return
    now = utcnow()
    rows = [{**r, "created_at": now, "updated_at": now} for r in rows]
    t = model.__table__
    if key is None:
        ids = list(session().execute(insert(t).returning(t.c.id), rows).scalars())
    else:
        insert_rows(t, rows)
        found: dict[int, int] = {}
        for part in chunks([r[key] for r in rows]):
            found.update(session().execute(select(t.c[key], t.c.id).where(ids_in(t.c[key], part))).all())
        ids = [found[r[key]] for r in rows]
    audit_inserts(model.__tablename__, [{**r, "id": i} for r, i in zip(rows, ids, strict=True)], reason)


def _update_invoices(by_value: dict[Any, list[int]], values: Any, old: dict[int, dict[str, Any]]) -> None:
    """UPDATE the invoices grouped by the values they get, audited per invoice."""
    changes: dict[int, dict[str, tuple[Any, Any]]] = {}
    for key, ids in by_value.items():
        new = values(key)
        for part in chunks(ids):
            session().execute(update(Invoice.__table__).where(ids_in(Invoice.__table__.c.id, part))
                              .values(**new, updated_at=utcnow()))
        for i in ids:
            changes[i] = {k: (old[i].get(k), v) for k, v in new.items()}
    record_updates(Invoice, changes)
    s = session()
    for obj in list(s.identity_map.values()):  # loaded invoices see the new state
        if isinstance(obj, Invoice) and obj.id in changes:
            s.expire(obj)


def _current(invoice_ids: list[int], *cols: str) -> dict[int, dict[str, Any]]:
    t = Invoice.__table__.c
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(invoice_ids):
        for row in session().execute(select(t.id, *(t[c] for c in cols)).where(ids_in(t.id, part))):
            out[row[0]] = dict(zip(cols, row[1:], strict=True))
    return out


def settle(items: list[Settlement], reason: str) -> None:
    """Record the payments and mark their invoices paid (state, date), with their billed plan
    instalments; the caller has checked each invoice is open (one line, one invoice)."""
    if not items:
        return
    actor = current_actor()
    _insert(Payment, [{"invoice_id": p.invoice_id, "source": p.source, "line_id": p.line_id,
                       "paid_on": p.paid_on, "credited_on": p.credited_on, "amount": p.amount,
                       "user_id": actor.user_id} for p in items], reason, key="invoice_id")
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for p in items:
        by_day[p.paid_on].append(p.invoice_id)
    old = _current([p.invoice_id for p in items], "state", "paid_at")
    _update_invoices(by_day, lambda day: {"state": InvoiceState.PAID.value, "paid_at": day}, old)
    payment_plans.mark_paid_for_invoices({p.invoice_id: p.paid_on for p in items})


def record_returns(items: list[Returned], reason: str) -> None:
    """Record the returned debits and the return date on their invoices."""
    if not items:
        return
    _insert(DebitReturn, [{"invoice_id": r.invoice_id, "line_id": r.line_id,
                           "returned_on": r.returned_on, "return_code": r.return_code,
                           "reason": r.reason[:120]} for r in items], reason)
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for r in items:
        by_day[r.returned_on].append(r.invoice_id)
    old = _current([r.invoice_id for r in items], "debit_returned_on")
    _update_invoices(by_day, lambda day: {"debit_returned_on": day}, old)


def payment_of(invoice_id: int) -> Payment | None:
    return session().scalars(select(Payment).where(Payment.invoice_id == invoice_id)).first()


def returns_of(invoice_id: int) -> list[DebitReturn]:
    return list(session().scalars(select(DebitReturn).where(DebitReturn.invoice_id == invoice_id)
                                  .order_by(DebitReturn.returned_on, DebitReturn.id)))
