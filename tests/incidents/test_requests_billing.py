"""Issue 21: an executed reconnection reaches the connection's next invoice at the price
table's value (the commercial batch picks the ServiceCharge the order created)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import select

from commercial.models import Invoice, ServiceCharge
from commercial.services import batches
from core import fmt
from incidents.services import field_sync
from incidents.services import requests as req_svc
from incidents.services import workorders as wo_svc
from tests.commercial.conftest import add_readings, make_connection, setup_billing  # noqa: F401

TODAY = dt.date.today()
PREV = fmt.month_add(TODAY.year, TODAY.month, -1)


def test_executed_reconnection_is_on_the_next_invoice(db, setup_billing, make_connection):  # noqa: F811
    from incidents import demo, seed

    seed.seed_reference()
    demo.seed_technicians()
    conn = make_connection(name="Carla Cortada", mobile=None, consent=False, has_sewer=False)
    add_readings(db, conn, [0, 5, 10, 15, 15], PREV)
    conn.situation = "cortada"
    db.commit()
    req = req_svc.open_request({"type_code": "RELIGACAO", "matricula": conn.matricula}, channel="balcao")
    [wo] = wo_svc.orders(request_id=req.id)
    tech = wo_svc.session.get(wo_svc.Technician, wo.technician_id)
    res = field_sync.sync([{"client_key": "r1", "work_order_id": wo.id, "kind": "encerrar",
                            "data": {"form": {"leitura": "15"}}}], tech.username)
    assert res[0]["status"] == "aplicada", res
    db.refresh(conn)
    assert conn.situation == "ativa"

    batch = batches.request_batch(setup_billing.id, *PREV, issue_date=TODAY)
    inv = db.scalars(select(Invoice).where(Invoice.batch_id == batch.id,
                                           Invoice.connection_id == conn.id)).one()
    assert inv.services == D("42.00")
    charge = db.scalars(select(ServiceCharge).where(ServiceCharge.connection_id == conn.id)).one()
    assert charge.invoice_id == inv.id and wo.number in charge.description
