"""The loop between online sensors and the lab, on incidents' side (issue 18 section 3).

- An analyser the lab keeps contradicting (`lims.events.SensorLabDisagreed`) is marked
  suspect for detection (`telemetry.api.mark_suspect`) and gets one calibration work order
  (not another while that one is open).
- A water-quality incident on a tag linked to collection points asks the lab for extra
  samples there and downstream (`lims.api.request_extra_samples`); their validation
  (`lims.events.ExtraSampleValidated`) escalates the incident and its public notice when one
  is non-conforming, and lets the operator close it with the evidence when all conform.
- A microbiological result joining a quality incident whose advice came from another cause
  turns the advice into the boil-water one and tells the public again.

Every function runs inside the outbox row's (or the request's) transaction and is
idempotent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import Conflict
from incidents.domain import OPEN_INCIDENT_STATES, WO_CLOSED, severity_rank
from incidents.models import Incident, Notice, WorkOrder
from incidents.services import evidence, lab_notices, notify
from incidents.services import incidents as svc
from incidents.services import workorders as wo_svc
from lims import api as lims_api
from lims.events import ExtraSampleValidated, SensorLabDisagreed
from telemetry import api as telemetry_api

CALIBRATION_SERVICE = "MAN-SENSOR"
MICRO = "microbiologico"
PENDING, CONFORMING, NONCONFORMING = "pendente", "conforme", "nao_conforme"
STEP_UP = {"baixa": "media", "media": "alta", "alta": "critica", "critica": "critica"}


def ref_of(incident_id: int) -> str:
    return f"incidente:{incident_id}"


# -- sensor and lab disagree --------------------------------------------------------------------

def open_calibration(tag: str) -> WorkOrder | None:
    return session.scalars(select(WorkOrder).where(
        WorkOrder.tag == tag, WorkOrder.state.not_in([str(s) for s in WO_CLOSED]))).first()


def sensor_disagreed(ev: SensorLabDisagreed) -> WorkOrder | None:
    """Suspect for detection, and one calibration order while none is open for the tag."""
    sign = "acima" if ev.mean_difference > 0 else "abaixo"
    diff = f"{abs(ev.mean_difference):.2f}".replace(".", ",")
    why = (f"analisador {sign} do laboratório em {diff} {ev.unit} (média das últimas "
           f"{ev.pairs} comparações, tolerância {ev.tolerance:g} {ev.unit}) no ponto {ev.point_code}")
    telemetry_api.mark_suspect(ev.tag, why)
    if open_calibration(ev.tag) is not None:
        return None
    if not any(st.code == CALIBRATION_SERVICE for st in wo_svc.catalogue()):
        return None
    with audit_context(reason=f"calibração de {ev.tag}: {why}"):
        wo = wo_svc.open_order(CALIBRATION_SERVICE, origin="calibracao",
                               description=f"Calibrar o analisador {ev.tag}: {why}.",
                               latitude=ev.latitude, longitude=ev.longitude,
                               address=f"{ev.point_name} ({ev.point_code})")
        wo.tag = ev.tag
        session.flush()
    return wo


# -- extra samples of an incident ----------------------------------------------------------------

def extra_samples(inc: Incident) -> list[dict[str, Any]]:
    """Copies: a change is written back as a new value (the JSON column sees no in-place edit)."""
    return [dict(r) for r in (inc.source_data or {}).get("extra_samples") or []]


def request_samples(incident_id: int) -> list[dict[str, Any]]:
    """A quality incident on a tag linked to collection points: extra samples there and
    downstream, once per incident."""
    inc = session.get(Incident, incident_id)
    if inc is None or inc.kind != "qualidade" or not inc.tag or extra_samples(inc):
        return []
    rows = []
    for point in lims_api.points_for_tag(inc.tag):
        for s in lims_api.request_extra_samples(
                point.id, ref=ref_of(inc.id),
                reason=f"incidente {inc.protocol}: {inc.reason}"[:400]):
            rows.append({"sample_id": s.sample_id, "sample_code": s.sample_code,
                         "point_code": s.point_code, "point_name": s.point_name,
                         "role": s.role, "scheduled_for": s.scheduled_for.isoformat(),
                         "state": PENDING, "results": []})
    if not rows:
        return []
    with audit_context(reason="amostras extras pedidas ao laboratório"):
        inc.source_data = {**(inc.source_data or {}), "extra_samples": rows}
        session.flush()
    where = ", ".join(dict.fromkeys(r["point_name"] for r in rows))
    svc.timeline(inc.id, "acao", f"Laboratório: {len(rows)} amostra(s) extra(s) pedida(s) em {where}",
                 {"samples": [r["sample_code"] for r in rows]}, public=True)
    evidence.append(inc.id, "amostras_extras_pedidas", {"samples": rows, "at": utcnow().isoformat()})
    return rows


def requesting_incident(sample_id: int) -> Incident | None:
    """The open incident that asked for this sample, if any."""
    for inc in session.scalars(select(Incident).where(
            Incident.kind == "qualidade", Incident.tag.is_not(None),
            Incident.state.in_([str(s) for s in OPEN_INCIDENT_STATES]))):
        if any(r["sample_id"] == sample_id for r in extra_samples(inc)):
            return inc
    return None


def extra_sample_validated(ev: ExtraSampleValidated) -> Incident | None:
    """Record the sample's verdict on its incident: a non-conforming one escalates it; the
    last conforming one tells the operator the incident may be closed."""
    if not ev.ref.startswith("incidente:"):
        return None
    inc = session.get(Incident, int(ev.ref.split(":", 1)[1]))
    rows = extra_samples(inc) if inc is not None else []
    row = next((r for r in rows if r["sample_id"] == ev.sample_id), None)
    if row is None or row["state"] != PENDING:
        return None
    row.update(state=CONFORMING if ev.conforming else NONCONFORMING, results=list(ev.results))
    with audit_context(reason=f"amostra extra {ev.sample_code} validada"):
        inc.source_data = {**(inc.source_data or {}), "extra_samples": rows}
        session.flush()
    verdict = "conforme" if ev.conforming else "NÃO CONFORME"
    svc.timeline(inc.id, "leitura", f"Amostra extra {ev.sample_code} ({ev.point_name}): {verdict}",
                 {"results": list(ev.results)}, public=True)
    evidence.append(inc.id, "amostra_extra_validada", {
        "sample_id": ev.sample_id, "sample_code": ev.sample_code, "point_code": ev.point_code,
        "role": ev.role, "conforming": ev.conforming, "results": list(ev.results),
        "at": utcnow().isoformat()})
    if not ev.conforming:
        escalate(inc, f"amostra extra {ev.sample_code} ({ev.point_name}) fora do padrão")
    elif all(r["state"] == CONFORMING for r in rows):
        svc.timeline(inc.id, "evento", "Todas as amostras extras estão conformes: o incidente "
                     "pode ser encerrado com as evidências.")
    return inc


def all_conforming(inc: Incident) -> bool:
    rows = extra_samples(inc)
    return bool(rows) and all(r["state"] == CONFORMING for r in rows)


# -- escalation and the public notice -----------------------------------------------------------

def escalate(inc: Incident, note: str) -> None:
    """One severity step up, on the timeline and the chain; the public is told again."""
    target = STEP_UP.get(inc.severity, "alta")
    if severity_rank(target) <= severity_rank(inc.severity):
        target = "critica"
    svc.attach(inc, severity=target, note=note)
    tell_public(inc, f"Alerta agravado: {note}")


def tell_public(inc: Incident, text: str) -> Notice | None:
    """The notice shown on the portal follows the incident; people told before hear the
    update. A notice still waiting for a Supervisor's confirmation keeps waiting."""
    svc.timeline(inc.id, "evento", text, public=True)
    if inc.notice_confirmation == lab_notices.PENDING:
        return None
    if not inc.public_notice:
        with audit_context(reason=text):
            inc.public_notice = True
            session.flush()
    n = len(list(session.scalars(select(Notice.id).where(
        Notice.incident_id == inc.id, Notice.purpose.like("atualizacao%")))))
    return notify.queue_notice(inc.id, f"atualizacao_{n + 1}")


def advice_group(inc: Incident) -> str:
    data = inc.source_data or {}
    return str(data.get("advice_group") or data.get("parameter_group") or "")


def escalate_advice(inc: Incident, parameter_group: str, note: str) -> bool:
    """A microbiological result joins a quality incident whose advice came from another cause
    (chemical, operational...): the advice becomes the microbiological one (boil the water)
    and the public notice is updated. True when it changed."""
    if parameter_group != MICRO or advice_group(inc) == MICRO or inc.kind != "qualidade":
        return False
    text = lab_notices.advice(MICRO)
    if not text:
        return False
    old = inc.safety_measures
    with audit_context(reason=f"orientação agravada: {note}"):
        inc.safety_measures = text[:1000]
        inc.source_data = {**(inc.source_data or {}), "advice_group": MICRO}
        session.flush()
    evidence.append(inc.id, "orientacao_alterada", {"from": old, "to": inc.safety_measures,
                                                    "note": note, "at": utcnow().isoformat()})
    tell_public(inc, f"Orientação à população atualizada ({note}): {inc.safety_measures}")
    return True


# -- closing with the evidence ------------------------------------------------------------------

@transactional
def close_with_samples(incident_id: int, *, cancel_orders: bool, reason: str = "") -> Incident:
    """Every extra sample conforms: the operator closes the incident; the samples' results
    go on the evidence chain with the closing."""
    inc = svc.get(incident_id)
    if not inc.is_open:
        raise Conflict("Este incidente não está aberto.")
    if not all_conforming(inc):
        raise Conflict("Ainda há amostras extras pendentes ou fora do padrão.")
    why = reason.strip() or "amostras extras conformes"
    evidence.append(inc.id, "amostras_extras_conformes", {
        "samples": extra_samples(inc), "reason": why, "at": utcnow().isoformat()})
    wo_svc.cancel_open(inc.id, cancel=cancel_orders, why=why)
    return svc.close(inc.id, why)
