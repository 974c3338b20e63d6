"""A lab result's public notice: advice by parameter group, a person's confirmation before it
reaches citizens (unless the Gestor chose otherwise for E. coli); an incident whose cause ended
is offered for closing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.errors import Conflict, ValidationError
from incidents import api as public_api
from incidents.models import Incident, Notice
from incidents.services import incidents as svc
from incidents.services import lab_notices, sources
from incidents.services import workorders as wo_svc
from lims.events import SampleNonConformant
from telemetry.events import AnomalyCleared
from tests.incidents.test_services import _anomaly, _publish

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def _event(code: str, name: str, group: str, point: str, value: str = "9,8") -> SampleNonConformant:
    return SampleNonConformant(
        sample_id=1, sample_code="A-1", result_id=abs(hash((code, point))) % 10_000, parameter_code=code,
        parameter_name=name, value=value, unit="", vmp="6,0 a 9,0", point_id=3, point_code=point,
        point_name="Escola Municipal", system_id=1, system_name="Sede", collected_at=NOW,
        neighbourhoods=("Centro",), severity="media", parameter_group=group)


def _incident(db, point: str) -> Incident:
    return db.scalars(select(Incident).where(Incident.asset_code == point)).one()


def test_ph_out_of_range_waits_for_confirmation_and_never_says_boil(db, ref, client, login_as):
    _publish(db, _event("ph", "pH", "operacional", "PT-PH"))
    inc = _incident(db, "PT-PH")
    assert inc.notice_confirmation == "pendente" and not inc.public_notice
    assert "ferva" not in inc.safety_measures.lower() and "tratamento" in inc.safety_measures
    assert not db.scalars(select(Notice).where(Notice.incident_id == inc.id)).all()
    assert inc.id not in [n.id for n in public_api.public_notices()]
    # the supervisor sees it on the dashboard and confirms on the incident page
    login_as(Profile.SUPERVISOR)
    home = client.get("/").get_data(as_text=True)
    assert "Avisos aguardando confirmação" in home
    page = client.get(f"/incidentes/{inc.id}").get_data(as_text=True)
    assert "Confirmar e avisar a população" in page
    client.post(f"/incidentes/{inc.id}/aviso/confirmar", data={"medidas": inc.safety_measures})
    db.refresh(inc)
    assert inc.public_notice and inc.notice_confirmation == "confirmado" and inc.notice_confirmed_by
    assert inc.id in [n.id for n in public_api.public_notices()]
    with pytest.raises(Conflict):
        lab_notices.confirm(inc.id)


def test_chemical_advice_and_dismissal_with_reason(db, ref):
    _publish(db, _event("nitrato", "Nitrato", "inorganico", "PT-NO3", "12,5"))
    inc = _incident(db, "PT-NO3")
    assert "não remove substâncias químicas" in inc.safety_measures
    with pytest.raises(ValidationError):
        lab_notices.dismiss(inc.id, "curto")
    lab_notices.dismiss(inc.id, "recoleta em andamento, resultado isolado")
    db.refresh(inc)
    assert inc.notice_confirmation == "dispensado" and not inc.public_notice


def test_ecoli_goes_out_at_once_only_when_the_gestor_says_so(db, ref):
    _publish(db, _event("escherichia_coli", "Escherichia coli", "microbiologico", "PT-EC1", "Presente"))
    first = _incident(db, "PT-EC1")
    assert first.notice_confirmation == "pendente" and "ferva" in first.safety_measures.lower()
    lab_notices.set_ecoli_auto_publish(True)
    db.commit()
    _publish(db, _event("escherichia_coli", "Escherichia coli", "microbiologico", "PT-EC2", "Presente"))
    second = _incident(db, "PT-EC2")
    assert second.public_notice and second.notice_confirmation == ""
    # other parameters still wait
    _publish(db, _event("coliformes_totais", "Coliformes totais", "microbiologico", "PT-CT", "Presente"))
    assert _incident(db, "PT-CT").notice_confirmation == "pendente"


def test_cause_ended_offers_to_close_and_cancels_the_order(db, ref, client, login_as):
    _publish(db, _anomaly(701, severity="alta", kind="taxa", tag="SET-09.VAZAO"))
    inc = db.scalars(select(Incident).where(Incident.asset_code == "SET-09")).one()
    orders = wo_svc.orders(incident_id=inc.id)
    if not orders:
        wo_svc.open_order(wo_svc.catalogue()[0].code, incident_id=inc.id, description="reparo")
    if inc.state != "em_atendimento":
        svc.transition(inc.id, "em_atendimento", "equipe a caminho")
    db.commit()
    with pytest.raises(Conflict):
        sources.close_after_cleared(inc.id, cancel_orders=True)  # not cleared yet
    _publish(db, AnomalyCleared(anomaly_id=701, tag="SET-09.VAZAO", kind="taxa",
                                ended_at=NOW + dt.timedelta(minutes=40), asset_code="SET-09"))
    db.refresh(inc)
    assert inc.state == "em_atendimento" and sources.source_cleared_at(inc) is not None
    login_as(Profile.OPERATOR)
    page = client.get(f"/incidentes/{inc.id}").get_data(as_text=True)
    assert "A causa deste incidente terminou" in page
    client.post(f"/incidentes/{inc.id}/normalizado", data={"cancelar_os": "1"})
    db.refresh(inc)
    assert inc.state == "resolvido"
    assert all(str(o.state) in ("cancelada", "encerrado_cancelado", "encerrado_executado")
               for o in wo_svc.orders(incident_id=inc.id))
