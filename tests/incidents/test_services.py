"""Incidents services and handlers against the real database and local provider servers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.errors import Conflict, IllegalTransition, NotFound, ValidationError
from core.events import OutboxMessage
from core.outbox import drain
from incidents import api as public_api
from incidents import domain
from incidents.channels import Outgoing, SmsHttp, SmtpEmail, WhatsAppCloud
from incidents.models import Incident, Message, Notice, Receipt, TimelineEntry
from incidents.services import delivery, evidence, external, field_sync, notify
from incidents.services import incidents as svc
from incidents.services import workorders as wo_svc
from lims.events import SampleNonConformant
from saae.wiring import SUBSCRIPTIONS
from telemetry.events import AnomalyCleared, AnomalyDetected, EtaStoppageEnded, EtaStoppageStarted

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def _anomaly(aid: int, severity: str = "media", kind: str = "limite", tag: str = "SET-09.PRESSAO",
             process: bool = True) -> AnomalyDetected:
    return AnomalyDetected(anomaly_id=aid, tag=tag, kind=kind, severity=severity, started_at=NOW,
                           asset_kind="setor", asset_code=tag.split(".")[0], asset_name="Setor 9",
                           value=7.0, message="pressão baixa", sector_code="SET-09",
                           latitude=-22.9, longitude=-47.0, process=process)


def _publish(db, *events):
    from core.events import publish

    for e in events:
        publish(e)
    db.commit()
    drain(SUBSCRIPTIONS)


def _incidents(db, asset="SET-09"):
    return db.scalars(select(Incident).where(Incident.asset_code == asset).order_by(Incident.id)).all()


def test_repeats_attach_escalate_and_redelivery_is_harmless(db, ref, app):
    _publish(db, _anomaly(101))
    [inc] = _incidents(db)
    assert inc.severity == "media" and inc.open_key == "SET-09:interrupcao"
    _publish(db, _anomaly(102, "media", kind="taxa"), _anomaly(101, "critica"), _anomaly(101, "critica"))
    [inc] = _incidents(db)
    assert inc.anomaly_ids == [101, 102] and inc.severity == "critica"
    audits = db.scalars(select(AuditLog).where(AuditLog.model == "incidents_incident",
                                               AuditLog.row_id == str(inc.id))).all()
    assert any("escalado" in (a.reason or "") for a in audits)
    # redelivering the same outbox rows changes nothing
    first = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "AnomalyDetected")).first()
    first.processed_at = None
    db.commit()
    drain(SUBSCRIPTIONS)
    assert len(_incidents(db)) == 1
    # a sensor fault is a maintenance incident without notices
    _publish(db, _anomaly(103, kind="comunicacao", process=False))
    kinds = sorted(i.kind for i in _incidents(db))
    assert kinds == ["interrupcao", "manutencao"]
    maint = next(i for i in _incidents(db) if i.kind == "manutencao")
    assert not db.scalars(select(Notice).where(Notice.incident_id == maint.id)).all()


def test_clear_auto_resolves_only_without_work_orders(db, ref, app):
    old = app.config["SAAE_SETTINGS"]
    import dataclasses

    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, incidents_auto_work_order=False,
                                                      incidents_auto_notify=False)
    try:
        _publish(db, _anomaly(201))
        _publish(db, AnomalyCleared(201, "SET-09.PRESSAO", "limite", NOW, "SET-09"))
        [inc] = _incidents(db)
        assert inc.state == "resolvido" and inc.open_key is None
        # it comes back soon after: the same incident reopens
        _publish(db, _anomaly(202))
        [inc] = _incidents(db)
        assert inc.state == "aberto" and inc.anomaly_ids == [201, 202]
        wo_svc.open_order("REP-REDE", incident_id=inc.id, auto_assign=False)
        _publish(db, AnomalyCleared(202, "SET-09.PRESSAO", "limite", NOW, "SET-09"))
        db.refresh(inc)
        assert inc.state == "aberto"  # a work order exists: a person closes it
    finally:
        app.config["SAAE_SETTINGS"] = old


def test_eta_stoppage_and_lab_result(db, ref):
    _publish(db, EtaStoppageStarted("ETA-77", NOW, "sem vazão de saída", "a1"))
    [eta] = _incidents(db, "ETA-77")
    assert eta.kind == "interrupcao" and eta.origin == "eta"
    _publish(db, EtaStoppageStarted("ETA-77", NOW, "sem vazão de saída", "a1"))
    assert len(_incidents(db, "ETA-77")) == 1
    _publish(db, EtaStoppageEnded("ETA-77", NOW + dt.timedelta(hours=1), "a1"))
    db.refresh(eta)
    assert eta.state in ("resolvido", "em_atendimento")

    ev = SampleNonConformant(sample_id=1, sample_code="A-1", result_id=9, parameter_code="ECOLI",
                             parameter_name="Escherichia coli", value="PRESENCA", unit="",
                             vmp="Ausência em 100 mL", point_id=3, point_code="PT-03",
                             point_name="Escola Municipal", system_id=1, system_name="Sede",
                             collected_at=NOW, neighbourhoods=("Centro",), severity="alta",
                             parameter_group="microbiologico")
    _publish(db, ev, ev)
    [q] = _incidents(db, "PT-03")
    assert q.kind == "qualidade" and q.origin == "laboratorio" and q.area["neighbourhoods"] == ["Centro"]
    assert "ferva" in q.safety_measures


def test_lifecycle_rules(db, ref):
    inc = svc.open_incident(title="Falta d'água", kind="interrupcao", origin="operador", notify=False)
    with pytest.raises(IllegalTransition):
        svc.transition(inc.id, "encerrado")
    with pytest.raises(ValidationError):
        svc.transition(inc.id, "cancelado", "")
    with pytest.raises(ValidationError):
        svc.open_incident(title=" ", kind="interrupcao", origin="operador")
    svc.transition(inc.id, "em_analise", "vendo")
    svc.close(inc.id, "ok")
    assert inc.state == "encerrado" and inc.closed_at and inc.open_key is None
    chain = [e.kind for e in evidence.chain(inc.id)]
    assert chain[0] == "incidente_aberto" and chain.count("situacao") == 3


def test_phone_validation():
    assert notify.valid_mobile("(19) 99876-5432") == "+5519998765432"
    assert notify.valid_mobile("19 3456-7890") is None  # landline
    assert notify.valid_mobile("", None, "abc", "+55 11 98888-7777") == "+5511988887777"
    assert notify.valid_mobile("+1 415 555 2671") is None


def test_channels_against_local_servers(providers, smtp):
    fp, base = providers
    sink, port = smtp
    out = Outgoing("k1", "whatsapp", "+5519998765432", "Olá", subject="Aviso")
    wa = WhatsAppCloud(f"{base}/v19.0", "tok-test", "PHONE123")
    r = wa.send(out)
    assert r.ok and r.provider_message_id.startswith("wamid.") and fp.whatsapp[0]["to"] == "5519998765432"
    assert fp.whatsapp[0]["biz_opaque_callback_data"] == "k1"
    bad = WhatsAppCloud(f"{base}/v19.0", "wrong", "PHONE123").send(out)
    assert not bad.ok and not bad.retryable and "401" in bad.error
    fp.fail_next["5519998765432"] = 1
    r = wa.send(out)
    assert not r.ok and r.retryable
    down = WhatsAppCloud("http://127.0.0.1:9", "t", "P").send(out)
    assert not down.ok and down.retryable
    tpl = wa.payload(Outgoing("k2", "whatsapp", "+55199", "x", template="aviso_v1", template_params=("a",)))
    assert tpl["type"] == "template" and tpl["template"]["components"][0]["parameters"][0]["text"] == "a"
    s = SmsHttp(f"{base}/sms", "tok-test").send(out)
    assert s.ok and s.provider_message_id.startswith("sms-")
    e = SmtpEmail("127.0.0.1", port).send(Outgoing("k3", "email", "ana@example.com", "Corpo", "Assunto"))
    assert e.ok and sink.messages[0]["to"] == ["ana@example.com"] and "Corpo" in sink.messages[0]["data"]
    assert SmtpEmail("127.0.0.1", 9).send(out).retryable


def _requester_ticket(db, phone="(19) 99876-5432", email=""):
    inc = svc.open_incident(title="Vazamento na calcada", kind="atendimento", origin="cidadao",
                            requester_name="Carla Dias", requester_phone=phone, requester_email=email)
    db.commit()
    drain(SUBSCRIPTIONS)
    return inc


def test_retry_with_backoff_never_sends_twice(db, ref, real_channels, app):
    import dataclasses

    fp, _ = real_channels
    app.config["SAAE_SETTINGS"] = dataclasses.replace(app.config["SAAE_SETTINGS"],
                                                      incidents_retry_base_seconds=60.0)
    fp.fail_next["5519998765432"] = 2
    inc = _requester_ticket(db)
    [m] = notify.messages(inc.id)
    assert m.status == "nova_tentativa" and m.attempts == 1
    wait1 = (m.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert delivery.dispatch() == 0  # not due yet
    m.next_attempt_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    delivery.dispatch()
    db.refresh(m)
    assert m.status == "nova_tentativa" and m.attempts == 2
    wait2 = (m.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert 55 < wait1 <= 60 and 115 < wait2 <= 120  # exponential backoff
    m.next_attempt_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    delivery.dispatch()
    db.refresh(m)
    assert m.status == "enviado" and m.attempts == 3 and len(fp.whatsapp) == 1
    delivery.dispatch()
    notify.queue_notice(inc.id, "etapa_aberto")
    assert len(fp.whatsapp) == 1
    assert len(db.scalars(select(Receipt).where(Receipt.message_id == m.id)).all()) == 3
    assert "Recebemos sua solicitação" in fp.whatsapp[0]["text"]["body"]
    # a claimed message whose worker died is flagged, never resent on its own
    m2 = Message(key="x" * 40, incident_id=inc.id, channel="whatsapp", recipient="+5519998765432",
                 content="c", content_sha256=domain.sha256_hex("c"), status="enviando",
                 claimed_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    db.add(m2)
    db.commit()
    assert delivery.flag_stale_claims() == 1 and delivery.dispatch() == 0


def test_no_phone_logs_and_tries_email(db, ref, real_channels):
    fp, sink = real_channels
    inc = _requester_ticket(db, phone="(19) 3456-7890", email="carla@example.com")
    logs = [t.text for t in db.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == inc.id))]
    assert any(t.startswith("Não possui telefone para envio de mensagem") for t in logs)
    [m] = notify.messages(inc.id)
    assert m.channel == "email" and m.status == "enviado" and sink.messages
    assert not fp.whatsapp


def test_receipts_unknown_and_permanent_failure(db, ref, real_channels):
    fp, _ = real_channels
    inc = _requester_ticket(db)
    [m] = notify.messages(inc.id)
    assert delivery.record_receipt("wamid.NAOEXISTE", "delivered") is None
    delivery.record_receipt(m.provider_message_id, "failed", None, {"errors": [{"code": 131026}]})
    delivery.record_receipt(m.provider_message_id, "delivered")
    db.refresh(m)
    assert m.status == "entregue" and m.failed_at and m.delivered_at


def test_timestamp_and_external_tickets(db, ref, real_channels):
    fp, _ = real_channels
    payload = {"source_system": "ERP", "source_code": "OS-555", "title": "Troca de hidrômetro",
               "status": "aberto", "process_number": "2026/555", "product": "HD 1,5",
               "problem": "Hidrômetro parado", "customer": {"name": "Rui Prado", "phone": "(19) 99777-1234"}}
    inc, created = external.upsert(payload)
    assert created and inc.kind == "atendimento" and inc.source_data["process_number"] == "2026/555"
    db.commit()
    drain(SUBSCRIPTIONS)
    inc2, created2 = external.upsert(payload)
    assert inc2.id == inc.id and not created2
    external.upsert({**payload, "status": "em_andamento"})
    assert inc.state == "em_atendimento"
    external.upsert({**payload, "status": "finalizado"})
    db.commit()
    drain(SUBSCRIPTIONS)
    assert inc.state == "encerrado" and inc.source_status == "finalizado"
    bodies = [w["text"]["body"] for w in fp.whatsapp]
    assert any("Recebemos" in b and f"/acompanhar/{inc.public_token}" in b for b in bodies)
    assert any(f"/acompanhar/{inc.public_token}/pesquisa" in b for b in bodies)
    with pytest.raises(ValidationError):
        external.upsert({"source_code": "x"})
    ts = evidence.timestamp_head(inc.id, svc.settings().tsa_url)
    assert ts.status == "concedido" and len(fp.tsa) == 1


def test_public_api_reveals_only_the_ticket(db, ref):
    inc = _requester_ticket(db)
    other = svc.open_incident(title="Outro chamado", kind="atendimento", origin="cidadao", notify=False)
    svc.timeline(other.id, "acao", "segredo de outro", public=True)
    db.commit()
    t = public_api.ticket_by_token(inc.public_token)
    assert t.protocol == inc.protocol and not t.survey_available
    assert all("segredo" not in e.text for e in t.timeline)
    assert public_api.ticket_by_token("x" * 30) is None and public_api.ticket_by_token("") is None
    with pytest.raises(Conflict):
        public_api.submit_survey(inc.public_token, 5)
    svc.close(inc.id, "feito")
    with pytest.raises(ValidationError):
        public_api.submit_survey(inc.public_token, 9)
    public_api.submit_survey(inc.public_token, 4, "rapido")
    with pytest.raises(Conflict):
        public_api.submit_survey(inc.public_token, 5)
    with pytest.raises(NotFound):
        public_api.submit_survey("y" * 32, 5)
    assert public_api.ticket_by_token(inc.public_token).survey_answered
    q = svc.open_incident(title="Turbidez", kind="qualidade", origin="operador", notify=False,
                          estimated_hours=3, area=svc.area_dict(neighbourhoods=["Centro"]))
    db.commit()
    notices = public_api.public_notices()
    n = next(n for n in notices if n.protocol == q.protocol)
    assert n.kind == "qualidade" and n.status == "ativo" and n.neighbourhoods == ("Centro",)
    assert n.estimated_end_at == q.opened_at + dt.timedelta(hours=3)
    assert all(x.protocol != inc.protocol for x in notices)  # tickets are not public notices


def test_work_orders_catalogue_rules(db, ref):
    inc = svc.open_incident(title="Vazamento", kind="interrupcao", origin="operador", notify=False,
                            latitude=-22.931, longitude=-47.091)
    wo = wo_svc.open_order("REP-REDE", incident_id=inc.id, latitude=-22.931, longitude=-47.091)
    tech = db.get(wo_svc.Technician, wo.technician_id)
    assert tech.username == "tecnico2"  # Ana: nearest with the 'rede' skill
    assert wo.state == "programado" and inc.state == "em_atendimento"
    assert wo.due_at - wo.opened_at == dt.timedelta(hours=8)
    wo_svc.transition(wo.id, "postergada", "chuva")
    wo_svc.assign(wo.id, tech.id)
    with pytest.raises(IllegalTransition, match="Limite"):
        wo_svc.transition(wo.id, "postergada", "chuva de novo")
    with pytest.raises(IllegalTransition, match="Formulário"):
        wo_svc.transition(wo.id, "encerrado_executado", answers={})
    child = wo_svc.unfold(wo.id, "REPAV")
    assert child.parent_id == wo.id and child.origin == "desdobramento"
    # issue 21: the original order waits for its dependent one (tender 7.10)
    with pytest.raises(IllegalTransition, match=child.number):
        wo_svc.transition(wo.id, "encerrado_executado", answers={"causa": "x", "servico_executado": "y"})
    wo_svc.transition(child.id, "cancelada", "recomposição feita pela prefeitura")
    wo_svc.transition(wo.id, "encerrado_executado", answers={"causa": "x", "servico_executado": "y"})
    redo = wo_svc.redo(wo.id, "vazou de novo")
    assert redo.redo_of_id == wo.id and redo.origin == "reservico"
    hd = wo_svc.open_order("SUB-HD")
    assert hd.state == "pendente" and hd.technician_id is None  # needs approval first
    wo_svc.approve(hd.id)
    r = wo_svc.reports(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    assert r["executed"] == 1 and r["by_origin"]["desdobramento"] == 1 and len(r["overdue"]) >= 2
    res = field_sync.sync([{"client_key": "a", "work_order_id": redo.id, "kind": "aceitar"}], "tecnico3")
    assert res[0]["status"] == "erro"
