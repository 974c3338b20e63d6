"""Fault tests of the other long jobs (see test_fault_invoice_batch.py): the monthly closing
of every system, the sending of an incident notice, and the monthly report e-mails. Each:
kill -9 the worker mid-job, restart (detect), resume; counts prove nothing lost, nothing
doubled."""

from __future__ import annotations

import socket

from tests.reliability.fault_world import fault_world

SYSTEMS = 30

SEED_SYSTEMS = f"""
import datetime as dt
from lims.seed import seed_reference
from lims.models.registry import SupplySystem
seed_reference()
for i in range({SYSTEMS}):
    session.add(SupplySystem(code=f"SAA-{{i:02d}}", name=f"Sistema {{i:02d}}", population_served=8000 + i))
session.commit()
"""


def _run_kill_resume(w, job: int, kill_at: int) -> dict:
    worker = w.start_worker("jobs", "run", str(job))
    at_kill = w.kill_mid_job(worker, job, lambda j: j["done"] >= kill_at)
    out = w.saae("jobs", "detect")
    assert out.returncode == 0, out.stderr
    j = w.job(job)
    assert j["state"] == "interrompido" and "parou sem concluí-lo" in j["reason"], j
    out = w.saae("jobs", "resume", str(job))
    assert out.returncode == 0, out.stdout + out.stderr
    j = w.job(job)
    assert j["state"] == "concluido" and j["attempts"] == 2, j
    return at_kill


def test_monthly_closing_survives_kill_9(tmp_path):
    with fault_world(tmp_path, "closing") as w:
        ids = w.python(SEED_SYSTEMS + """
from core import jobs
last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
job = jobs.submit("lims.tasks.close_month_all", "Fechamento", kwargs={"year": last.year,
                  "month": last.month}, start=False)
print(json.dumps({"job": job.id}))
""")
        at_kill = _run_kill_resume(w, ids["job"], kill_at=3)
        closed_before = at_kill["done"]
        rows = w.sql("SELECT system_id, times_closed FROM lims_month_closing")
        events = w.one("SELECT count(*) FROM core_outbox WHERE event_type LIKE %s", "%MonthClosed%")
        print(f"closing: killed after {closed_before} of {SYSTEMS}; after resume {len(rows)} "
              f"closings, {events} MonthClosed events")
        assert len(rows) == len({r[0] for r in rows}) == SYSTEMS
        assert all(r[1] == 1 for r in rows)
        assert events == SYSTEMS


def test_notice_sending_survives_kill_9(tmp_path):
    n = 3_000
    with fault_world(tmp_path, "notice") as w:
        ids = w.python(f"""
import secrets
from core import jobs
from incidents.models import Incident, Message, Notice
from incidents.seed import seed_reference
seed_reference()
inc = Incident(protocol="F-1", title="Falta de agua", kind="interrupcao", origin="operador",
               public_token=secrets.token_hex(8))
session.add(inc); session.flush()
notice = Notice(incident_id=inc.id, purpose="abertura", template_code="abertura_interrupcao", recipients={n})
session.add(notice); session.flush()
session.execute(Message.__table__.insert(), [
    {{"key": f"f{{i}}", "incident_id": inc.id, "notice_id": notice.id, "channel": "sms",
      "recipient": f"+55199{{i:08d}}", "content": "Falta de agua no seu bairro", "content_sha256": "x",
      "status": "pendente", "attempts": 0, "matricula": "", "name": "", "subject": "",
      "provider": "", "provider_answer": {{}}, "last_error": "", "created_at": jobs.utcnow()}}
    for i in range({n})])
job = jobs.submit("incidents.tasks.dispatch_notice", "Envio", kwargs={{"notice_id": notice.id}},
                  start=False)
session.commit()
print(json.dumps({{"job": job.id}}))
""")
        at_kill = _run_kill_resume(w, ids["job"], kill_at=500)
        outbox = w.one("SELECT count(*) FROM incidents_local_outbox")
        distinct = w.one("SELECT count(DISTINCT reference) FROM incidents_local_outbox")
        sent = w.one("SELECT count(*) FROM incidents_message WHERE status = 'enviado'")
        receipts = w.one("SELECT count(*) FROM incidents_receipt")
        print(f"notice: killed after {at_kill['done']} of {n}; after resume {outbox} sent, "
              f"{sent} messages 'enviado', {receipts} receipts")
        assert outbox == distinct == sent == receipts == n


def test_report_emails_survive_kill_9(tmp_path):
    from aiosmtpd.controller import Controller

    got: list = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            got.append(envelope.content)
            return "250 OK"

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ctl = Controller(Sink(), hostname="127.0.0.1", port=port)
    ctl.start()
    env = {"SAAE_SMTP_HOST": "127.0.0.1", "SAAE_SMTP_PORT": str(port),
           "SAAE_LIMS_REPORT_RECIPIENTS": "vigilancia@x.gov.br"}
    try:
        with fault_world(tmp_path, "reports") as w:
            w.env.update(env)
            ids = w.python(SEED_SYSTEMS + """
from core import jobs
last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
job = jobs.submit("lims.tasks.email_monthly_reports", "Relatorios", kwargs={"year": last.year,
                  "month": last.month}, start=False)
print(json.dumps({"job": job.id}))
""")
            at_kill = _run_kill_resume(w, ids["job"], kill_at=4)
    finally:
        ctl.stop()
    import email

    ids_seen = [email.message_from_bytes(m)["Message-ID"] for m in got]
    print(f"reports: killed after {at_kill['done']} of {SYSTEMS}; {len(got)} messages received, "
          f"{len(set(ids_seen))} distinct")
    assert len(set(ids_seen)) == SYSTEMS  # every system's report arrived
    # at most the one message in flight at the kill is sent again, with the same Message-ID
    assert len(got) - SYSTEMS <= 1
