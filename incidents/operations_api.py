"""incidents' public read for the lab's SISAGUA month (issue 19): incidents and their work
orders as the regulator's forms count them. lims imports no incidents module: the composition
root hands this module to the app (`app.extensions["saae_operations_source"]`, saae/app.py) and
lims reads it through a Protocol of `operational_facts` and `facts_for_results`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select

from core.db import session
from incidents.api import TimelineEntry
from incidents.domain import WorkOrderState
from incidents.models import Incident, ServiceType, WorkOrder
from incidents.models import TimelineEntry as Entry


@dataclass(frozen=True)
class WorkOrderFact:
    number: str
    service_code: str
    service_group: str  # the service type's group: rede, qualidade, hidrometria...
    service_name: str
    state: str
    state_label: str
    executed_at: dt.datetime | None  # closed as executed


@dataclass(frozen=True)
class OperationalFact:
    """An incident as the regulator's forms count it: its kind and origin, where it was, when
    it started and ended, the lab results behind it, its actions and work orders."""

    protocol: str
    kind: str  # interrupcao | qualidade | manutencao | atendimento
    origin: str  # scada | laboratorio | eta | operador | cidadao | externo
    title: str
    reason: str
    asset_code: str
    sector_codes: tuple[str, ...]
    neighbourhoods: tuple[str, ...]
    system_id: int | None
    opened_at: dt.datetime
    ended_at: dt.datetime | None
    state_label: str
    result_ids: tuple[int, ...]  # lab results ("lab:<id>") the incident answers
    actions: tuple[TimelineEntry, ...]  # the timeline's "acao" entries, in order
    work_orders: tuple[WorkOrderFact, ...]


def _wo_fact(w: WorkOrder, types: dict[str, ServiceType]) -> WorkOrderFact:
    st = types.get(w.service_code)
    executed = (w.executed_at or w.closed_at) if w.state == WorkOrderState.CLOSED_EXECUTED else None
    return WorkOrderFact(w.number, w.service_code, st.group if st else "",
                         st.description if st else w.service_code, str(w.state), w.state_label,
                         executed)


def _facts(incidents: list[Incident]) -> list[OperationalFact]:
    ids = [i.id for i in incidents]
    if not ids:
        return []
    types = {t.code: t for t in session.scalars(select(ServiceType))}
    orders: dict[int, list[WorkOrderFact]] = {}
    for w in session.scalars(select(WorkOrder).where(WorkOrder.incident_id.in_(ids))
                             .order_by(WorkOrder.opened_at, WorkOrder.id)):
        orders.setdefault(w.incident_id or 0, []).append(_wo_fact(w, types))
    acts: dict[int, list[TimelineEntry]] = {}
    for e in session.scalars(select(Entry).where(Entry.incident_id.in_(ids), Entry.kind == "acao")
                             .order_by(Entry.at, Entry.id)):
        acts.setdefault(e.incident_id, []).append(TimelineEntry(e.at, e.text))
    out = []
    for inc in incidents:
        area = inc.area or {}
        labs = tuple(int(a[4:]) for a in (inc.anomaly_ids or [])
                     if isinstance(a, str) and a.startswith("lab:") and a[4:].isdigit())
        out.append(OperationalFact(
            inc.protocol, inc.kind, inc.origin, inc.title, inc.reason, inc.asset_code or "",
            tuple(area.get("sector_codes") or ()), tuple(area.get("neighbourhoods") or ()),
            area.get("system_id"), inc.opened_at, inc.resolved_at or inc.closed_at,
            inc.state_label, labs, tuple(acts.get(inc.id, ())), tuple(orders.get(inc.id, ()))))
    return out


def operational_facts(start: dt.datetime, end: dt.datetime) -> list[OperationalFact]:
    """Incidents (not cancelled) opened in [start, end) or with a work order executed then."""
    executed = select(WorkOrder.incident_id).where(
        WorkOrder.state == WorkOrderState.CLOSED_EXECUTED, WorkOrder.executed_at >= start,
        WorkOrder.executed_at < end, WorkOrder.incident_id.is_not(None))
    stmt = select(Incident).where(Incident.state != "cancelado", or_(
        (Incident.opened_at >= start) & (Incident.opened_at < end), Incident.id.in_(executed))
    ).order_by(Incident.opened_at, Incident.id)
    return _facts(list(session.scalars(stmt)))


def facts_for_results(result_ids: list[int]) -> dict[int, list[OperationalFact]]:
    """{lab result id: the incidents that answer it}, for the out-of-standard samples."""
    wanted = {f"lab:{i}" for i in result_ids}
    if not wanted:
        return {}
    # anomaly_ids is a JSON list: read the quality incidents of the lab and keep those naming
    # one of the results (a few per month)
    rows = [i for i in session.scalars(select(Incident).where(
        Incident.origin == "laboratorio").order_by(Incident.opened_at, Incident.id))
        if wanted & set(i.anomaly_ids or [])]
    out: dict[int, list[OperationalFact]] = {}
    for fact in _facts(rows):
        for rid in fact.result_ids:
            if f"lab:{rid}" in wanted:
                out.setdefault(rid, []).append(fact)
    return out
