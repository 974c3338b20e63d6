"""Done means (issue 7): the simulator's burst -> anomaly -> incident -> work order assigned ->
notices to the affected (one without a phone) -> receipts out of order -> the technician
closes -> restoration notice -> the audit file verifies, then fails after one changed byte."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile

from sqlalchemy import select

from core.outbox import drain
from incidents import audit_file, domain, tsa
from incidents.models import Incident, Message, Notice, Receipt, TimelineEntry
from incidents.services import delivery, evidence, field_sync, notify
from incidents.services import incidents as svc
from incidents.services import workorders as wo_svc
from saae.wiring import SUBSCRIPTIONS

CLI = [sys.executable, "-c", "from saae.cli import main; main()"]


def _burst(db):
    """Telemetry's own simulator and monitor: a main burst on SET-02."""
    from telemetry import monitor
    from telemetry.connectors.base import Reading
    from telemetry.demo.sim_model import Plant
    from telemetry.seed import seed_demo
    from telemetry.storage import SqlStorage

    seed_demo(dt.date.today())
    monitor.apply_suggested_detectors()
    store = SqlStorage()
    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    plant = Plant(seed=11)
    plant.inject("rompimento", "SET-02", t0 + dt.timedelta(minutes=5))
    readings = []
    for i in range(0, 25 * 60, 10):
        t = t0 + dt.timedelta(seconds=i)
        for name, vq in plant.sample(t).items():
            if vq is not None:
                readings.append(Reading(name, t, vq[0], vq[1]))
    store.write(readings)
    report = monitor.run_once(t0 + dt.timedelta(minutes=25), store=store)
    assert report.opened and not report.errors
    return t0


def test_burst_to_verified_audit_file(db, ref, make_consumer, real_channels, tmp_path):
    fp, smtp = real_channels
    make_consumer("Maria Silva", "(19) 99876-5432")
    make_consumer("José Santos", "(19) 98123-4567", channels=["sms"])
    make_consumer("Ana Costa", None, email="ana@example.com")  # no phone at all
    make_consumer("Vizinho Outro Setor", "(19) 99111-2222", sector="SET-03")

    _burst(db)
    drain(SUBSCRIPTIONS)  # AnomalyDetected -> incident -> IncidentOpened -> OS + notice -> sending

    # the burst gives a rate-of-fall and a below-minimum anomaly: one incident for both
    [inc] = db.scalars(select(Incident).where(Incident.asset_code == "SET-02")).all()
    assert len(inc.anomaly_ids) == 2
    assert inc.origin == "scada" and inc.kind == "interrupcao" and inc.tag.startswith("SET-02")
    assert inc.area["sector_codes"] == ["SET-02"]
    # the work order was opened and assigned to the nearest technician with the skill
    [wo] = wo_svc.orders(incident_id=inc.id)
    assert wo.service_code == "REP-REDE" and wo.state == "programado" and wo.technician_id
    tech = wo_svc.session.get(wo_svc.Technician, wo.technician_id)
    assert "rede" in tech.skills
    assert inc.state == "em_atendimento"

    # notices: WhatsApp to Maria, SMS to Jose, e-mail to Ana (and the log line for her)
    msgs = {m.name: m for m in notify.messages(inc.id)}
    assert set(msgs) == {"Maria Silva", "José Santos", "Ana Costa"}
    assert msgs["Maria Silva"].channel == "whatsapp" and msgs["Maria Silva"].status == "enviado"
    assert msgs["José Santos"].channel == "sms" and msgs["José Santos"].status == "enviado"
    assert msgs["Ana Costa"].channel == "email" and msgs["Ana Costa"].status == "enviado"
    assert fp.whatsapp[0]["to"] == "5519998765432"
    assert "Protocolo " + inc.protocol in fp.whatsapp[0]["text"]["body"]
    assert f"/acompanhar/{inc.public_token}" in fp.whatsapp[0]["text"]["body"]
    assert fp.sms[0]["to"] == "+5519981234567"
    assert smtp.messages[0]["to"] == ["ana@example.com"]
    logs = [t.text for t in db.scalars(select(TimelineEntry).where(TimelineEntry.incident_id == inc.id))]
    assert any(t.startswith(domain.NO_PHONE) and "Ana Costa" in t for t in logs)

    # receipts out of order: read before delivered, a late 'sent' changes nothing
    wa = msgs["Maria Silva"]
    delivery.record_receipt(wa.provider_message_id, "read", "1764700000")
    delivery.record_receipt(wa.provider_message_id, "delivered", "1764699990")
    delivery.record_receipt(wa.provider_message_id, "sent", "1764699980")
    db.refresh(wa)
    assert wa.status == "lido" and wa.delivered_at and wa.read_at
    assert len(db.scalars(select(Receipt).where(Receipt.message_id == wa.id)).all()) == 4

    # a redelivered event or a second dispatch sends nothing twice
    sends = len(fp.whatsapp)
    notify.queue_notice(inc.id, "abertura")
    delivery.dispatch()
    assert len(fp.whatsapp) == sends

    # the technician closes the order from the phone (the queue re-sent once: no duplicates)
    queue = [{"client_key": f"k{i}", "work_order_id": wo.id, "kind": k, "at": at, "data": d}
             for i, (k, at, d) in enumerate([
                 ("aceitar", "2026-12-02T10:00:00Z", {}),
                 ("a_caminho", "2026-12-02T10:01:00Z", {"vehicle": "ABC-1D23"}),
                 ("chegou", "2026-12-02T10:20:00Z", {"lat": -22.889, "lon": -47.048}),
                 ("inicio", "2026-12-02T10:25:00Z", {}),
                 ("leitura", "2026-12-02T10:30:00Z", {"text": "pressao", "value": 4.1}),
                 ("material", "2026-12-02T11:00:00Z", {"code": "LUVA-100", "name": "Luva", "qty": 2}),
                 ("encerrar", "2026-12-02T11:30:00Z", {"form": {"causa": "fadiga",
                                                                "servico_executado": "troca de tubo"}}),
             ])]
    assert {r["status"] for r in field_sync.sync(queue, tech.username)} == {"aplicada"}
    assert {r["status"] for r in field_sync.sync(queue, tech.username)} == {"duplicada"}
    db.refresh(wo)
    assert wo.state == "encerrado_executado"
    assert wo_svc.order_periods(wo.id) == {"deslocamento": 19.0, "espera": 5.0, "execucao": 65.0}

    # the operator closes the incident -> restoration notice to the same people
    svc.close(inc.id, "rede reparada")
    drain(SUBSCRIPTIONS)
    db.refresh(inc)
    assert inc.state == "encerrado"
    restored = db.scalars(select(Notice).where(Notice.incident_id == inc.id,
                                               Notice.purpose == "restabelecimento")).one()
    rmsgs = db.scalars(select(Message).where(Message.notice_id == restored.id)).all()
    assert len(rmsgs) == 3 and all(m.status == "enviado" for m in rmsgs)
    assert "restabelecido" in fp.whatsapp[-1]["text"]["body"]

    # RFC 3161 timestamp of the chain head, against the local TSA
    ts = evidence.timestamp_head(inc.id, db.info.get("tsa") or svc.settings().tsa_url)
    assert ts.status == "concedido", ts.error
    assert abs(dt.datetime.fromisoformat(ts.gen_time) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    # the audit file verifies ...
    path = tmp_path / "dossie.zip"
    path.write_bytes(audit_file.export_zip(inc.id))
    anchors = tsa.load_anchors(fp.ca.ca_file)
    assert audit_file.verify_file(path, anchors) == []
    out = subprocess.run(CLI + ["incidents", "verify", str(path)], capture_output=True, text=True,
                         env={**os.environ, "SAAE_TSA_CA_FILE": str(fp.ca.ca_file)})
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr
    assert f"registro {ts.seq}: verificado" in out.stdout

    # ... and fails after one byte of a stored message changes (in the database) ...
    m = rmsgs[0]
    m.content = m.content[:10] + ("X" if m.content[10] != "X" else "Y") + m.content[11:]
    db.commit()
    bad = tmp_path / "alterado.zip"
    bad.write_bytes(audit_file.export_zip(inc.id))
    problems = audit_file.verify_file(bad)
    assert problems and any("mensagem" in p for p in problems)
    out = subprocess.run(CLI + ["incidents", "verify", str(bad)],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "FALHA" in out.stderr

    # ... or in the exported file itself (one byte of one message inside the JSON bundle)
    with zipfile.ZipFile(path) as z:
        data = json.loads(z.read("dossie.json"))
    rec = next(r for r in data["evidence"] if r["kind"] == "mensagem")
    rec["payload"]["content"] = "x" + rec["payload"]["content"][1:]
    bare = tmp_path / "dossie.json"
    bare.write_text(json.dumps(data))
    assert any("evidência" in p for p in audit_file.verify_file(bare))
