"""Incidents opened and cleared by other areas' events: SCADA anomalies, ETA stoppages and
laboratory results (the rules are in `incidents.domain.opening`).

Each function runs inside the outbox row's transaction and is idempotent: a redelivered
event finds its incident by `open_key` / anomaly id and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from commercial.api import Area
from core import fmt
from core.audit import audit_context
from core.db import session, transactional
from core.errors import Conflict
from core.web import settings
from incidents.domain import IncidentState, opening, should_auto_resolve
from incidents.models import Incident, WorkOrder
from incidents.services import evidence, lab_notices, quality_loop
from incidents.services import incidents as svc
from incidents.services import workorders as wo_svc
from lims.events import SampleNonConformant
from telemetry.events import AnomalyCleared, AnomalyDetected, EtaStoppageEnded, EtaStoppageStarted


def _area(sector: str | None, neighbourhoods: tuple[str, ...] = (),
          system_id: int | None = None) -> tuple[dict, str]:  # type: ignore[type-arg]
    area = Area(sector_codes=(sector,) if sector else (), neighbourhoods=tuple(neighbourhoods),
                system_id=system_id if not sector and not neighbourhoods else None)
    return svc.area_dict(sector_codes=area.sector_codes, neighbourhoods=area.neighbourhoods,
                         system_id=area.system_id), svc.describe_area(area)


# -- SCADA anomalies ---------------------------------------------------------------------------


def anomaly_detected(ev: AnomalyDetected) -> None:
    """Open (or attach to, or escalate, or reopen) the one incident of this asset and kind."""
    kind = opening.anomaly_kind(ev.kind, process=ev.process, quality_signal=ev.quality_signal)
    key = opening.open_key(ev.asset_code, kind)
    note = opening.anomaly_note(ev.kind, ev.tag, ev.message)
    with audit_context(reason=f"anomalia {ev.anomaly_id} ({ev.kind})"):
        inc = svc.by_open_key(key) or _reopened(ev, kind, key)
        if inc is not None:
            svc.attach(inc, severity=ev.severity, anomaly_id=ev.anomaly_id, note=note)
            return
        cause = _same_cause(ev, kind)
        if cause is not None:
            _group(cause, ev)
            return
        closed = [(i.anomaly_ids or [], i.severity) for i in session.scalars(
            select(Incident).where(Incident.tag == ev.tag, Incident.open_key.is_(None)))]
        if opening.already_handled(ev.anomaly_id, ev.severity, closed):
            return
        area, desc = _area(ev.sector_code)
        svc.open_incident(
            title=opening.anomaly_title(kind, ev.asset_name), kind=kind,
            origin=opening.anomaly_origin(ev.kind), severity=ev.severity, open_key=key,
            reason=note, asset_code=ev.asset_code, asset_name=ev.asset_name,
            asset_kind=ev.asset_kind, tag=ev.tag, anomaly_ids=[ev.anomaly_id],
            anomaly_kind=ev.kind, latitude=ev.latitude, longitude=ev.longitude, area=area,
            area_description=desc, estimated_hours=opening.estimated_hours(kind),
            description=f"Detectado em {fmt.date_time(ev.started_at, tz='UTC')} UTC; valor {ev.value}",
            source_data={"started_at": ev.started_at.isoformat()},
            notify=None if ev.process else False)


def _reopened(ev: AnomalyDetected, kind: str, key: str) -> Incident | None:
    """The asset's incident of this kind resolved a moment ago: the problem came back."""
    inc = svc.recently_resolved(ev.asset_code, kind)
    if inc is None or ev.anomaly_id in (inc.anomaly_ids or []):
        return None
    return svc.reopen(inc, key, f"nova anomalia {ev.kind} em {ev.tag}")


def _same_cause(ev: AnomalyDetected, kind: str) -> Incident | None:
    """An open SCADA incident of the same kind and sector, opened within the flood window."""
    minutes = settings().incidents_flood_window_minutes
    if not opening.may_group(kind, process=ev.process, sector_code=ev.sector_code,
                             window_minutes=minutes) or ev.sector_code is None:
        return None
    since = ev.started_at - dt.timedelta(minutes=minutes)
    for inc in session.scalars(select(Incident).where(
            Incident.open_key.is_not(None), Incident.kind == kind, Incident.origin == "scada",
            Incident.opened_at >= since).order_by(Incident.opened_at)):
        if opening.same_cause((inc.area or {}).get("sector_codes"), inc.asset_code,
                              sector_code=ev.sector_code, asset_code=ev.asset_code):
            return inc
    return None


def _group(cause: Incident, ev: AnomalyDetected) -> None:
    svc.attach(cause, severity=ev.severity, anomaly_id=ev.anomaly_id,
               note=opening.grouped_note(ev.sector_code, ev.kind, ev.message, ev.asset_name, ev.tag))
    evidence.append(cause.id, "alarme_agrupado", {
        "anomaly_id": ev.anomaly_id, "tag": ev.tag, "asset_code": ev.asset_code,
        "kind": ev.kind, "severity": ev.severity, "sector_code": ev.sector_code,
        "started_at": ev.started_at.isoformat()})


def _holding(ev: AnomalyCleared) -> list[Incident]:
    """Open incidents holding the anomaly: its asset's own, or one that took it as the same
    cause during an alarm flood."""
    own = [svc.by_open_key(opening.open_key(ev.asset_code, kind)) for kind in opening.AUTOMATIC_KINDS]
    found = [i for i in own if i is not None and ev.anomaly_id in (i.anomaly_ids or [])]
    if found:
        return found
    return [i for i in session.scalars(select(Incident).where(Incident.open_key.is_not(None),
                                                              Incident.origin == "scada"))
            if ev.anomaly_id in (i.anomaly_ids or [])]


def _mark_cleared(inc: Incident, source: object) -> set[object] | None:
    """Remember that one source of the incident ended; None when it was already known."""
    cleared = set((inc.source_data or {}).get("cleared_anomalies", []))
    if source in cleared:
        return None
    cleared.add(source)
    inc.source_data = {**(inc.source_data or {}), "cleared_anomalies": sorted(cleared, key=str)}
    session.flush()
    return cleared


def anomaly_cleared(ev: AnomalyCleared) -> None:
    for inc in _holding(ev):
        with audit_context(reason=f"anomalia {ev.anomaly_id} encerrada"):
            cleared = _mark_cleared(inc, ev.anomaly_id)
            if cleared is None:
                return
            text = f"Anomalia {ev.kind} em {ev.tag} normalizada"
            if opening.all_cleared(inc.anomaly_ids, cleared):
                source_cleared(inc.open_key or "", text, ev.ended_at)
            else:
                svc.timeline(inc.id, "evento", text, at=ev.ended_at)
        return


# -- ETA stoppages ------------------------------------------------------------------------------


def eta_stoppage_started(ev: EtaStoppageStarted) -> None:
    key = opening.open_key(ev.eta_code, "interrupcao")
    inc = svc.by_open_key(key)
    with audit_context(reason=f"parada da ETA {ev.eta_code}"):
        if inc is not None:
            if opening.ETA_SOURCE not in (inc.anomaly_ids or []):
                inc.anomaly_ids = [*(inc.anomaly_ids or []), opening.ETA_SOURCE]
                svc.timeline(inc.id, "evento", f"Parada da ETA confirmada: {ev.reason}")
            return
        name = ev.eta_name or ev.eta_code
        area, desc = _area(ev.sector_code)
        svc.open_incident(
            title=opening.eta_title(name), kind="interrupcao", origin="eta", severity="alta",
            open_key=key, reason=ev.reason, asset_code=ev.eta_code, asset_name=name,
            asset_kind="eta", anomaly_ids=[opening.ETA_SOURCE], latitude=ev.latitude,
            longitude=ev.longitude, area=area, area_description=desc,
            estimated_hours=opening.ETA_ESTIMATED_HOURS, source_data={"source_ref": ev.source_ref})


def eta_stoppage_ended(ev: EtaStoppageEnded) -> None:
    inc = svc.by_open_key(opening.open_key(ev.eta_code, "interrupcao"))
    if inc is None:
        return
    with audit_context(reason=f"ETA {ev.eta_code} voltou a operar"):
        cleared = _mark_cleared(inc, opening.ETA_SOURCE) or set(
            (inc.source_data or {}).get("cleared_anomalies", []))
        if opening.all_cleared(inc.anomaly_ids, cleared):
            source_cleared(inc.open_key or "", "ETA voltou a operar", ev.ended_at)


# -- laboratory results -------------------------------------------------------------------------


def sample_non_conformant(ev: SampleNonConformant) -> None:
    """A result outside the standard opens the quality incident of its point, or joins the
    one already open there (a microbiological result merges into it, escalating it)."""
    key = opening.open_key(ev.point_code, "qualidade")
    note = opening.lab_note(ev.parameter_name, ev.value, ev.unit, ev.vmp, ev.sample_code)
    ref = opening.lab_ref(ev.result_id)
    with audit_context(reason=f"amostra {ev.sample_code} fora do padrão"):
        # an extra sample joins the incident that asked for it (issue 18)
        inc = quality_loop.requesting_incident(ev.sample_id) or svc.by_open_key(key)
        if inc is not None:
            if ref not in (inc.anomaly_ids or []):
                inc.anomaly_ids = [*(inc.anomaly_ids or []), ref]
                svc.timeline(inc.id, "leitura", f"Novo resultado fora do padrão: {note}")
            svc.attach(inc, severity=ev.severity, note=note)
            quality_loop.escalate_advice(inc, ev.parameter_group, note)
            return
        area, desc = _area(None, tuple(ev.neighbourhoods), ev.system_id)
        desc = opening.lab_area_description(ev.neighbourhoods, ev.system_name) or desc
        wait = lab_notices.needs_confirmation(ev.parameter_code)
        svc.open_incident(
            title=opening.lab_title(ev.point_name), kind="qualidade", origin="laboratorio",
            severity=ev.severity, open_key=key, reason=opening.lab_reason(ev.parameter_name),
            asset_code=ev.point_code, asset_name=ev.point_name, asset_kind="ponto",
            anomaly_ids=[ref], latitude=ev.latitude, longitude=ev.longitude,
            area=area, area_description=desc, description=note,
            safety_measures=lab_notices.advice(ev.parameter_group),
            # nothing reaches citizens before a Supervisor or Gestor confirms (unless the
            # Gestor chose to publish E. coli at once)
            public_notice=not wait, notify=None if not wait else False,
            notice_confirmation=lab_notices.PENDING if wait else "",
            source_data={"sample_id": ev.sample_id, "result_id": ev.result_id,
                         "parameter_code": ev.parameter_code,
                         "parameter_group": ev.parameter_group})


# -- the source ended ---------------------------------------------------------------------------


@transactional
def source_cleared(open_key: str, note: str, at: dt.datetime) -> Incident | None:
    """The anomaly / stoppage behind an incident ended: note it, auto-resolve if allowed."""
    inc = svc.by_open_key(open_key)
    if inc is None:
        return None
    svc.timeline(inc.id, "evento", note, at=at)
    if inc.is_open:  # the detail page tells the operator and offers to close
        with audit_context(reason=note):
            inc.source_data = {**(inc.source_data or {}), "source_cleared_at": at.isoformat(),
                               "source_cleared_note": note}
            session.flush()
    any_wo = session.scalar(select(func.count(WorkOrder.id)).where(WorkOrder.incident_id == inc.id)) or 0
    if should_auto_resolve(enabled=settings().incidents_auto_resolve, state=inc.state,
                           open_work_orders=any_wo, any_work_orders=any_wo):
        svc.transition(inc.id, IncidentState.RESOLVED, "normalizado antes de qualquer ação (automático)")
    return inc


def source_cleared_at(inc: Incident) -> dt.datetime | None:
    """When the cause (anomaly, stoppage) ended, if it did while the incident is still open."""
    raw = (inc.source_data or {}).get("source_cleared_at")
    if not raw or not inc.is_open:
        return None
    return dt.datetime.fromisoformat(raw)


@transactional
def close_after_cleared(incident_id: int, *, cancel_orders: bool, reason: str = "") -> Incident:
    """The operator accepts that the cause ended: open work orders are cancelled (if asked)
    and the incident is resolved, so the affected are told the service is back."""
    inc = svc.get(incident_id)
    if source_cleared_at(inc) is None:
        raise Conflict("A causa deste incidente ainda não foi normalizada.")
    why = reason.strip() or "causa normalizada (anomalia encerrada)"
    wo_svc.cancel_open(inc.id, cancel=cancel_orders, why=why)
    return svc.transition(inc.id, IncidentState.RESOLVED, why)
