"""On-call paging and escalation, and alarm flood suppression (ISA-18.2), against the real
database, the outbox and the local WhatsApp / SMS / SMTP servers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.errors import ValidationError
from core.outbox import drain
from incidents.models import Evidence, Incident, Page
from incidents.services import delivery, oncall
from incidents.services import incidents as svc
from saae.wiring import SUBSCRIPTIONS
from telemetry.events import AnomalyCleared, AnomalyDetected
from tests.incidents.conftest import whatsapp_signature


def _rota(db, minutes: int = 10, people: int = 3) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    oncall.save_team("operacao", escalation_minutes=minutes, supervisor_name="Sueli Supervisora",
                     supervisor_channel="email", supervisor_contact="sueli@saae.local")
    for pos, (name, phone) in enumerate([("Ana Plantonista", "(19) 99811-0001"),
                                         ("Bruno Plantonista", "(19) 99811-0002"),
                                         ("Carla Plantonista", "(19) 99811-0003")][:people], 1):
        oncall.add_shift("operacao", name=name, channel="whatsapp", contact=phone, position=pos,
                         starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=8))
    # someone whose shift is over is never called
    oncall.add_shift("operacao", name="Ontem", channel="sms", contact="(19) 99811-0009",
                     starts_at=now - dt.timedelta(days=1), ends_at=now - dt.timedelta(hours=2))
    db.commit()
    return now


def _anomaly(aid: int, asset: str = "ETA-01", sector: str = "SET-01",
             started: dt.datetime | None = None) -> AnomalyDetected:
    return AnomalyDetected(anomaly_id=aid, tag=f"{asset}.TURBIDEZ", kind="qualidade",
                           severity="alta", started_at=started or dt.datetime.now(dt.UTC),
                           asset_kind="eta", asset_code=asset, asset_name=f"ETA {asset}",
                           value=12.0, message="evento de qualidade", sector_code=sector,
                           latitude=None, longitude=None, process=True)


def _publish(db, *events):
    from core.events import publish

    for e in events:
        publish(e)
    db.commit()
    drain(SUBSCRIPTIONS)


def _kinds(db, incident_id):
    return [e.kind for e in db.scalars(select(Evidence).where(Evidence.incident_id == incident_id)
                                       .order_by(Evidence.seq))]


def _reply(client, frm: str, text: str):
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [
            {"from": frm, "id": "wamid.IN1", "timestamp": "1764700000", "type": "text",
             "text": {"body": text}}]}}]}]}
    raw = json.dumps(body).encode()
    return client.post("/api/v1/incidentes/webhooks/whatsapp", data=raw,
                       content_type="application/json",
                       headers={"X-Hub-Signature-256": whatsapp_signature(raw)})


def test_escalation_three_on_call_first_two_do_not_acknowledge(db, ref, real_channels, client):
    fp, _sink = real_channels
    now = _rota(db)
    _publish(db, _anomaly(501))
    inc = db.scalars(select(Incident).where(Incident.asset_code == "ETA-01")).one()
    [p1] = oncall.pages(inc.id)
    assert (p1.step, p1.name, p1.state, p1.recipient) == (1, "Ana Plantonista", "aguardando",
                                                         "+5519998110001")
    delivery.dispatch()
    sent = [m for m in fp.whatsapp if m["to"] == "5519998110001"]
    assert len(sent) == 1 and f"OK {p1.code}" in sent[0]["text"]["body"]
    assert inc.protocol in sent[0]["text"]["body"]

    # not yet due: nothing happens
    assert oncall.escalate_due(now + dt.timedelta(minutes=5)) == []
    # Ana is silent for 10 minutes -> Bruno
    [p2_id] = oncall.escalate_due(now + dt.timedelta(minutes=11))
    db.commit()
    # Bruno is silent too -> Carla (the finished shift is never called)
    [p3_id] = oncall.escalate_due(now + dt.timedelta(minutes=22))
    db.commit()
    delivery.dispatch()
    assert [m["to"] for m in fp.whatsapp] == ["5519998110001", "5519998110002", "5519998110003"]
    p1, p2, p3 = oncall.pages(inc.id)
    assert (p1.state, p2.state, p3.state) == ("escalado", "escalado", "aguardando")
    assert (p2.id, p3.id) == (p2_id, p3_id) and p3.name == "Carla Plantonista"

    # a reply from a number nobody paged, or a reply that says nothing, changes nothing
    assert _reply(client, "5519990000000", f"OK {p3.code}").status_code == 200
    assert _reply(client, "5519998110003", "quem fala?").status_code == 200
    db.refresh(p3)
    assert p3.state == "aguardando"
    # Carla answers the WhatsApp message
    assert _reply(client, "5519998110003", f"ok {p3.code}").status_code == 200
    db.refresh(p3)
    assert (p3.state, p3.ack_via, p3.acked_by) == ("reconhecido", "resposta", "Carla Plantonista")
    # nobody else is called after the acknowledgement, not even the supervisor
    assert oncall.escalate_due(now + dt.timedelta(hours=2)) == []
    assert len(oncall.pages(inc.id)) == 3

    texts = [e.text for e in svc.entries(inc.id)]
    assert sum("chamado" in t and "Plantão" in t for t in texts) == 3
    assert sum("não reconheceu" in t for t in texts) == 2
    assert any("reconhecido por Carla Plantonista" in t for t in texts)
    kinds = _kinds(db, inc.id)
    assert kinds.count("plantao_chamado") == 3 and kinds.count("plantao_sem_reconhecimento") == 2
    assert kinds.count("plantao_reconhecido") == 1


def test_supervisor_last_then_no_answer_and_ack_from_the_page(db, ref, real_channels, client,
                                                              login_as):
    _fp, sink = real_channels
    now = _rota(db, minutes=5, people=1)
    _publish(db, _anomaly(601))
    inc = db.scalars(select(Incident).where(Incident.asset_code == "ETA-01")).one()
    oncall.escalate_due(now + dt.timedelta(minutes=6))
    db.commit()
    p1, sup = oncall.pages(inc.id)
    assert (sup.role, sup.channel, sup.recipient) == ("supervisor", "email", "sueli@saae.local")
    delivery.dispatch()
    assert any("sueli@saae.local" in m["to"] for m in sink.messages)
    # the supervisor is silent too: the timeline says nobody answered
    assert oncall.escalate_due(now + dt.timedelta(minutes=12)) == []
    db.commit()
    db.refresh(sup)
    assert sup.state == "sem_resposta"
    assert any("não há mais ninguém" in e.text for e in svc.entries(inc.id))
    # a late acknowledgement from the incident page still counts
    login_as(Profile.OPERATOR)
    page = client.get(f"/incidentes/{inc.id}").get_data(as_text=True)
    assert "Plantão" in page and "Reconhecer" in page
    r = client.post(f"/incidentes/{inc.id}/plantao/reconhecer", follow_redirects=True)
    assert r.status_code == 200
    db.refresh(sup)
    assert sup.state == "reconhecido" and sup.ack_via == "pagina"
    assert "Reconhecer (assumo" not in client.get(f"/incidentes/{inc.id}").get_data(as_text=True)


def test_schedule_page_and_validation(db, ref, client, login_as):
    with pytest.raises(ValidationError):
        oncall.save_team("operacao", escalation_minutes=0)
    oncall.save_team("operacao", escalation_minutes=10)
    with pytest.raises(ValidationError):
        oncall.add_shift("operacao", name="X", channel="whatsapp", contact="123",
                         starts_at=dt.datetime.now(dt.UTC),
                         ends_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    login_as(Profile.SUPERVISOR)
    html = client.get("/incidentes/plantao").get_data(as_text=True)
    assert "Escala de plantão" in html and "Laboratório" in html and "Campo" in html
    r = client.post("/incidentes/plantao/laboratorio/incluir", data={
        "name": "Lara Química", "channel": "sms", "contact": "(19) 99811-0042", "position": "1",
        "starts_at": "2026-12-04T18:00", "ends_at": "2026-12-05T06:00"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Lara Química" in html and "04/12/2026 18:00" in html
    lab = oncall.team("laboratorio")
    [shift] = oncall.shifts(lab.id, dt.datetime(2026, 12, 4, tzinfo=dt.UTC))
    assert shift.starts_at == dt.datetime(2026, 12, 4, 21, 0, tzinfo=dt.UTC)  # local -> UTC
    login_as(Profile.OPERATOR)
    assert client.get("/incidentes/plantao").status_code == 403


def test_alarm_flood_one_incident_per_cause(db, ref, app):
    """Ten plants of one sector alarming in the same minutes (a common cause such as a
    raw-water change) make one incident with the rest attached; another sector, or the
    same sector after the flood window, opens its own."""
    t0 = dt.datetime.now(dt.UTC)
    _publish(db, *[_anomaly(700 + i, asset=f"EEA-{i:02d}", started=t0 + dt.timedelta(minutes=i))
                   for i in range(10)])
    _publish(db, _anomaly(720, asset="EEA-99", sector="SET-02"))
    opened = db.scalars(select(Incident).where(Incident.kind == "qualidade")
                        .order_by(Incident.id)).all()
    assert len(opened) == 2
    first = opened[0]
    assert first.anomaly_ids == [700 + i for i in range(10)]
    assert _kinds(db, first.id).count("alarme_agrupado") == 9
    assert sum("Mesma causa provável" in e.text for e in svc.entries(first.id)) == 9
    # the grouped incident's cause is over only when every attached anomaly has cleared
    for i in range(9):
        _publish(db, AnomalyCleared(anomaly_id=700 + i, tag=f"EEA-{i:02d}.TURBIDEZ",
                                    kind="qualidade", ended_at=dt.datetime.now(dt.UTC),
                                    asset_code=f"EEA-{i:02d}"))
    db.refresh(first)
    assert len(first.source_data["cleared_anomalies"]) == 9
    _publish(db, AnomalyCleared(anomaly_id=709, tag="EEA-09.TURBIDEZ", kind="qualidade",
                                ended_at=dt.datetime.now(dt.UTC), asset_code="EEA-09"))
    db.refresh(first)
    assert sorted(first.source_data["cleared_anomalies"]) == [700 + i for i in range(10)]
    # window off: every asset its own incident
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, incidents_flood_window_minutes=0)
    try:
        _publish(db, _anomaly(730, asset="EEA-30", sector="SET-03"),
                 _anomaly(731, asset="EEA-31", sector="SET-03"))
    finally:
        app.config["SAAE_SETTINGS"] = old
    assert len(db.scalars(select(Incident).where(Incident.asset_code.in_(["EEA-30", "EEA-31"])))
               .all()) == 2
    assert db.scalars(select(Page)).all() == []  # no rota configured: nobody paged
