"""The demo's payments: payment plans with instalments (the first one billed on last month's
invoice), a processed collection return file (paid, duplicate, unknown and mismatched lines)
and a direct-debit return file (debited and returned), imported through the same service as
the page."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from commercial.domain.return_layout import COLLECTION, DIRECT_DEBIT, build_return_file
from commercial.models import Connection, Invoice
from commercial.services import payment_plans, return_import
from core.db import session

UNKNOWN_BARCODE = "82690000001234501230000000000000000000000000"


def seed_plans(rng: random.Random, conn_ids: list[int], today: dt.date) -> None:
    """25 plans of six instalments; the first falls due before last month's invoice."""
    for cid in rng.sample(conn_ids, 25):
        rng.randint(1, 4)  # the draw the old plan rows made: the rest of the demo stays the same
        payment_plans.create_plan(cid, Decimal("289.80"), 6, today + dt.timedelta(days=15),
                                  "Parcelamento de faturas em atraso")


def _last_month_invoices(today: dt.date) -> list[tuple[Invoice, bool]]:
    rows = select(Invoice, Connection.direct_debit).join(Connection, Connection.id == Invoice.connection_id)
    return [(inv, dd) for inv, dd in session().execute(
        rows.where(Invoice.issue_date == today).order_by(Invoice.id)).all()]


def seed_returns(rng: random.Random, today: dt.date) -> None:
    """Import one collection file and one direct-debit file for last month's invoices."""
    invs = _last_month_invoices(today)
    slips = [i for i, dd in invs if not dd]
    debits = [i for i, dd in invs if dd]
    paid_on = today - dt.timedelta(days=1)
    paying = rng.sample(slips, len(slips) * 11 // 20)
    lines = [{"paid_on": paid_on, "credited_on": today, "barcode": i.barcode, "amount": i.total,
              "agency": "0001", "channel": "3", "payment_form": "3"} for i in paying]
    mismatched = [i for i in slips if i not in paying][:3]
    lines += [{"paid_on": paid_on, "credited_on": today, "barcode": i.barcode,
               "amount": i.total - Decimal("1.50"), "channel": "1", "payment_form": "1"}
              for i in mismatched]
    lines.insert(7, dict(lines[3]))  # the bank sent one payment twice
    lines.append({"paid_on": paid_on, "credited_on": today, "barcode": UNKNOWN_BARCODE,
                  "amount": Decimal("37.90"), "channel": "2", "payment_form": "3"})
    return_import.import_return_file(
        build_return_file(COLLECTION, lines, generated_on=today, sequence=1),
        f"ARRECADACAO_001_{today:%Y%m%d}.RET")
    codes = ["00"] * 8 + ["01", "02"]
    deb = [{"client_id": "", "agency": "1234", "account": f"{8000 + k:014d}", "debit_on": i.due_date,
            "amount": i.total, "return_code": rng.choice(codes), "company_use": i.number}
           for k, i in enumerate(debits)]
    if deb:
        return_import.import_return_file(
            build_return_file(DIRECT_DEBIT, deb, generated_on=today, sequence=1),
            f"DEBITO_AUTOMATICO_001_{today:%Y%m%d}.RET")
