"""incidents.api read by the lab's SISAGUA forms (issue 19): the month's incidents with their
actions and executed work orders, and the incidents answering given lab results."""

from __future__ import annotations

import datetime as dt

from core.db import session
from incidents import operations_api as api
from incidents.seed import seed_reference
from incidents.services import incidents as svc
from incidents.services import workorders as wo


def test_month_facts_and_the_incidents_of_lab_results(db):
    seed_reference()
    lab = svc.open_incident(title="Coliformes no ponto R08", kind="qualidade",
                            origin="laboratorio", severity="alta", anomaly_ids=["lab:42"],
                            area=svc.area_dict(sector_codes=["SET-03"]), notify=False)
    other = svc.open_incident(title="Outro resultado", kind="qualidade", origin="laboratorio",
                              anomaly_ids=["lab:7"], notify=False)
    gone = svc.open_incident(title="Aberto por engano", kind="interrupcao", origin="operador",
                             notify=False)
    svc.transition(gone.id, "cancelado", "engano")
    order = wo.open_order("QUAL-AGUA", incident_id=lab.id, auto_assign=False)
    old = svc.open_incident(title="Mês passado", kind="interrupcao", origin="operador",
                            notify=False)
    old.opened_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    session.flush()
    facts = api.facts_for_results([42])
    assert list(facts) == [42]
    (f,) = facts[42]
    assert f.protocol == lab.protocol and f.result_ids == (42,) and f.sector_codes == ("SET-03",)
    assert [w.number for w in f.work_orders] == [order.number]
    assert f.work_orders[0].service_group == "qualidade" and f.work_orders[0].executed_at is None
    assert any(order.number in a.text for a in f.actions)
    now = dt.datetime.now(dt.UTC)
    month = {x.protocol for x in api.operational_facts(now - dt.timedelta(days=1),
                                                       now + dt.timedelta(days=1))}
    assert month == {lab.protocol, other.protocol}  # not the cancelled, not last month's
    assert api.facts_for_results([]) == {}
