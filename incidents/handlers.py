"""What incidents does with other areas' events and its own (wired in saae/wiring.py).

Each handler runs inside the outbox row's transaction and is idempotent: a redelivered
event finds its incident by `open_key` / anomaly id and its notice by (incident, purpose).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from core.audit import audit_context
from core.db import session
from core.events import Event
from incidents import domain
from incidents.models import Incident, Notice
from incidents.services import evidence, notify, oncall
from incidents.services import incidents as svc
from incidents.services import workorders as wo_svc

log = logging.getLogger(__name__)

QUALITY_QUANTITIES = {"turbidez", "cloro", "ph", "condutividade", "redox", "cor"}
SERVICE_FOR_KIND = {"interrupcao": "REP-REDE", "qualidade": "QUAL-AGUA", "manutencao": "MAN-SENSOR"}


def _incident_kind(ev: Event) -> str:
    if not ev.process:
        return "manutencao"
    if ev.kind == "qualidade":
        return "qualidade"
    if ev.kind == "parada_eta":
        return "interrupcao"
    from telemetry.api import tag_info

    info = tag_info(ev.tag)
    return "qualidade" if info and info.quantity in QUALITY_QUANTITIES else "interrupcao"


def _area(sector: str | None, neighbourhoods: tuple[str, ...] = (),
          system_id: int | None = None) -> tuple[dict, str]:
    from commercial.api import Area

    area = Area(sector_codes=(sector,) if sector else (), neighbourhoods=tuple(neighbourhoods),
                system_id=system_id if not sector and not neighbourhoods else None)
    return svc.area_dict(sector_codes=area.sector_codes, neighbourhoods=area.neighbourhoods,
                         system_id=area.system_id), svc.describe_area(area)


def on_anomaly_detected(ev: Event) -> None:
    """Open (or attach to, or escalate) the one open incident of this asset and kind."""
    kind = _incident_kind(ev)
    key = f"{ev.asset_code}:{kind}"
    with audit_context(reason=f"anomalia {ev.anomaly_id} ({ev.kind})"):
        inc = svc.by_open_key(key)
        if inc is None:
            inc = svc.recently_resolved(ev.asset_code, kind)
            if inc is not None and ev.anomaly_id not in (inc.anomaly_ids or []):
                svc.reopen(inc, key, f"nova anomalia {ev.kind} em {ev.tag}")
            else:
                inc = None
        if inc is not None:
            svc.attach(inc, severity=ev.severity, anomaly_id=ev.anomaly_id,
                       note=ev.message or f"{ev.kind} em {ev.tag}")
            return
        cause = _same_cause(ev, kind)
        if cause is not None:
            svc.attach(cause, severity=ev.severity, anomaly_id=ev.anomaly_id,
                       note=f"Mesma causa provável (inundação de alarmes, setor {ev.sector_code}): "
                            f"{ev.message or ev.kind} em {ev.asset_name} ({ev.tag})")
            evidence.append(cause.id, "alarme_agrupado", {
                "anomaly_id": ev.anomaly_id, "tag": ev.tag, "asset_code": ev.asset_code,
                "kind": ev.kind, "severity": ev.severity, "sector_code": ev.sector_code,
                "started_at": ev.started_at.isoformat()})
            return
        for old in session.scalars(select(Incident).where(Incident.tag == ev.tag,
                                                          Incident.open_key.is_(None))):
            # a redelivery after its incident was resolved: nothing new (unless it got worse)
            if ev.anomaly_id in (old.anomaly_ids or []) and not domain.escalates(old.severity, ev.severity):
                return
        area, desc = _area(ev.sector_code)
        title = {"qualidade": f"Qualidade da água - {ev.asset_name}",
                 "manutencao": f"Falha de sensor/comunicacao - {ev.asset_name}"}.get(
            kind, f"Anomalia no abastecimento - {ev.asset_name}")
        svc.open_incident(
            title=title, kind=kind, origin="eta" if ev.kind == "parada_eta" else "scada",
            severity=ev.severity, open_key=key, reason=ev.message or f"{ev.kind} em {ev.tag}",
            asset_code=ev.asset_code, asset_name=ev.asset_name, asset_kind=ev.asset_kind,
            tag=ev.tag, anomaly_ids=[ev.anomaly_id], anomaly_kind=ev.kind,
            latitude=ev.latitude, longitude=ev.longitude, area=area, area_description=desc,
            estimated_hours=4.0 if kind == "interrupcao" else None,
            description=f"Detectado em {ev.started_at:%d/%m/%Y %H:%M} UTC; valor {ev.value}",
            source_data={"started_at": ev.started_at.isoformat()},
            notify=None if ev.process else False)


def _same_cause(ev: Event, kind: str) -> Incident | None:
    """Alarm flood suppression (ISA-18.2: one incident per cause): an open process incident
    of the same kind in the same sector, opened by SCADA within the flood window, takes the
    new anomaly instead of a second incident. Sensor faults are never grouped: each
    instrument needs its own work."""
    minutes = svc.settings().incidents_flood_window_minutes
    if not minutes or not ev.process or not ev.sector_code or kind == "manutencao":
        return None
    since = ev.started_at - dt.timedelta(minutes=minutes)
    for inc in session.scalars(select(Incident).where(
            Incident.open_key.is_not(None), Incident.kind == kind, Incident.origin == "scada",
            Incident.opened_at >= since).order_by(Incident.opened_at)):
        if (inc.area or {}).get("sector_codes") == [ev.sector_code] \
                and inc.asset_code != ev.asset_code:
            return inc
    return None


def _holding(ev: Event) -> list[Incident]:
    """Open incidents holding the anomaly: its asset's own, or one that took it as the same
    cause during an alarm flood."""
    own = [svc.by_open_key(f"{ev.asset_code}:{kind}")
           for kind in ("interrupcao", "qualidade", "manutencao")]
    found = [i for i in own if i is not None and ev.anomaly_id in (i.anomaly_ids or [])]
    if found:
        return found
    return [i for i in session.scalars(select(Incident).where(Incident.open_key.is_not(None),
                                                              Incident.origin == "scada"))
            if ev.anomaly_id in (i.anomaly_ids or [])]


def on_anomaly_cleared(ev: Event) -> None:
    for inc in _holding(ev):
        cleared = set((inc.source_data or {}).get("cleared_anomalies", []))
        if ev.anomaly_id in cleared:
            return
        cleared.add(ev.anomaly_id)
        with audit_context(reason=f"anomalia {ev.anomaly_id} encerrada"):
            inc.source_data = {**(inc.source_data or {}), "cleared_anomalies": sorted(cleared, key=str)}
            session.flush()
            if set(inc.anomaly_ids or []) <= cleared:
                svc.on_source_cleared(inc.open_key, f"Anomalia {ev.kind} em {ev.tag} normalizada",
                                      ev.ended_at)
            else:
                svc.timeline(inc.id, "evento", f"Anomalia {ev.kind} em {ev.tag} normalizada",
                             at=ev.ended_at)
        return


def on_eta_stoppage_started(ev: Event) -> None:
    key = f"{ev.eta_code}:interrupcao"
    inc = svc.by_open_key(key)
    with audit_context(reason=f"parada da ETA {ev.eta_code}"):
        if inc is not None:
            if "eta" not in (inc.anomaly_ids or []):
                inc.anomaly_ids = [*(inc.anomaly_ids or []), "eta"]
                svc.timeline(inc.id, "evento", f"Parada da ETA confirmada: {ev.reason}")
            return
        from telemetry.api import asset_info

        info = asset_info(ev.eta_code)
        area, desc = _area(info.sector_code if info else None)
        svc.open_incident(
            title=f"Parada da ETA {info.name if info else ev.eta_code}", kind="interrupcao",
            origin="eta", severity="alta", open_key=key, reason=ev.reason, asset_code=ev.eta_code,
            asset_name=info.name if info else ev.eta_code, asset_kind="eta", anomaly_ids=["eta"],
            latitude=info.latitude if info else None, longitude=info.longitude if info else None,
            area=area, area_description=desc, estimated_hours=6.0,
            source_data={"source_ref": ev.source_ref})


def on_eta_stoppage_ended(ev: Event) -> None:
    inc = svc.by_open_key(f"{ev.eta_code}:interrupcao")
    if inc is None:
        return
    with audit_context(reason=f"ETA {ev.eta_code} voltou a operar"):
        cleared = set((inc.source_data or {}).get("cleared_anomalies", [])) | {"eta"}
        inc.source_data = {**(inc.source_data or {}), "cleared_anomalies": sorted(cleared, key=str)}
        session.flush()
        if set(inc.anomaly_ids or []) <= cleared:
            svc.on_source_cleared(inc.open_key, "ETA voltou a operar", ev.ended_at)


def on_sample_non_conformant(ev: Event) -> None:
    key = f"{ev.point_code}:qualidade"
    with audit_context(reason=f"amostra {ev.sample_code} fora do padrão"):
        inc = svc.by_open_key(key)
        note = f"{ev.parameter_name} = {ev.value} {ev.unit} (VMP {ev.vmp}), amostra {ev.sample_code}"
        if inc is not None:
            if f"lab:{ev.result_id}" not in (inc.anomaly_ids or []):
                inc.anomaly_ids = [*(inc.anomaly_ids or []), f"lab:{ev.result_id}"]
                svc.timeline(inc.id, "leitura", f"Novo resultado fora do padrão: {note}")
            svc.attach(inc, severity=ev.severity, note=note)
            return
        from incidents.services import lab_notices

        area, desc = _area(None, tuple(ev.neighbourhoods), ev.system_id)
        if not ev.neighbourhoods and ev.system_name:
            desc = f"Toda a área abastecida pelo {ev.system_name}"
        group = getattr(ev, "parameter_group", "") or ""
        wait = lab_notices.needs_confirmation(ev.parameter_code)
        svc.open_incident(
            title=f"Resultado fora do padrão - {ev.point_name}", kind="qualidade",
            origin="laboratorio", severity=ev.severity, open_key=key,
            reason=f"Análise de {ev.parameter_name} fora do padrão de potabilidade",
            asset_code=ev.point_code, asset_name=ev.point_name, asset_kind="ponto",
            anomaly_ids=[f"lab:{ev.result_id}"], latitude=ev.latitude, longitude=ev.longitude,
            area=area, area_description=desc, description=note,
            safety_measures=lab_notices.advice(group),
            # nothing reaches citizens before a Supervisor or Gestor confirms (unless the
            # Gestor chose to publish E. coli at once)
            public_notice=not wait, notify=None if not wait else False,
            notice_confirmation=lab_notices.PENDING if wait else "",
            source_data={"sample_id": ev.sample_id, "result_id": ev.result_id,
                         "parameter_code": ev.parameter_code, "parameter_group": group})


def on_incident_opened(ev: Event) -> None:
    """After the incident's commit: its work order (if serious) and its notices."""
    inc = session.get(Incident, ev.incident_id)
    if inc is None:
        return
    s = svc.settings()
    with audit_context(reason="abertura automática"):
        if (s.incidents_auto_work_order and inc.origin in ("scada", "eta", "laboratorio")
                and domain.severity_rank(inc.severity) >= domain.severity_rank(s.incidents_auto_min_severity)
                and not wo_svc.orders(incident_id=inc.id)):
            code = SERVICE_FOR_KIND.get(inc.kind)
            if code and any(st.code == code for st in wo_svc.catalogue()):
                wo_svc.open_order(code, incident_id=inc.id, description=inc.reason,
                                  latitude=inc.latitude, longitude=inc.longitude,
                                  address=inc.asset_name)
        if ev.notify:
            notify.queue_notice(inc.id, "abertura")
        # the person on call hears of it now, whatever the notices do
        oncall.start(inc.id)
        if notify.step_enabled("aberto"):
            notify.queue_notice(inc.id, "etapa_aberto")


def on_incident_state_changed(ev: Event) -> None:
    """Service restored -> tell those told of the problem; ticket steps -> their message."""
    inc = session.get(Incident, ev.incident_id)
    if inc is None or inc.state != ev.new_state:
        return  # stale: the incident moved on (e.g. reopened) before this was delivered
    with audit_context(reason="mensagens da etapa"):
        if ev.new_state in ("resolvido", "encerrado"):
            opened = session.scalars(select(Notice.id).where(Notice.incident_id == ev.incident_id,
                                                             Notice.purpose == "abertura")).first()
            if opened:
                notify.queue_notice(ev.incident_id, "restabelecimento")
        if notify.step_enabled(ev.new_state):
            notify.queue_notice(ev.incident_id, f"etapa_{ev.new_state}")


def on_notice_queued(ev: Event) -> None:
    """Sending starts only now, after the messages' commit (a worker picks it up), as a tracked
    job: a worker killed mid-way leaves it interrupted, to be resumed from its page."""
    from core import jobs

    subject = f"incidents.notice:{ev.notice_id}"
    if ev.messages and jobs.latest_for(subject) is None:  # the outbox delivers at least once
        jobs.submit("incidents.tasks.dispatch_notice",
                    f"Envio do aviso {ev.notice_id} ({ev.messages} mensagens)", subject=subject,
                    kwargs={"notice_id": ev.notice_id}, permission="incidents.notice.send")
