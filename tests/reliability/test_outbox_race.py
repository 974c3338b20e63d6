"""Item 3: the demo (SQLite, beat + a notice's own job) sent the same message twice at once:
`UNIQUE constraint failed: incidents_local_outbox.reference`. A message is claimed by exactly
one sender."""

from __future__ import annotations

from tests.reliability.sqlite_world import run_sqlite

SNIPPET = """
import threading, logging, secrets
logging.basicConfig(level=logging.ERROR)
from incidents.models import Incident, Message, LocalOutbox
from incidents.services import delivery
from sqlalchemy import select, func
N = 400
with unit_of_work() as s:
    inc = Incident(protocol="T-1", title="Falta de agua", kind="interrupcao", origin="operador",
                   public_token=secrets.token_hex(8))
    s.add(inc); s.flush()
    for i in range(N):
        s.add(Message(key=f"k{i}", incident_id=inc.id, channel="sms", recipient=f"+55119{i:08d}",
                      content="aviso", content_sha256="x"))
session.remove()
errors = []
start = threading.Barrier(4)
def sender():
    with app.app_context():
        start.wait()
        try:
            delivery.dispatch(batch=20)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            session.remove()
threads = [threading.Thread(target=sender) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
s = session()
print(json.dumps({
    "errors": errors,
    "outbox": s.scalar(select(func.count()).select_from(LocalOutbox)),
    "sent": s.scalar(select(func.count()).select_from(Message).where(Message.status == "enviado")),
    "max_attempts": s.scalar(select(func.max(Message.attempts))),
}))
"""


def test_each_message_claimed_by_exactly_one_sender_on_sqlite(tmp_path):
    out = run_sqlite(tmp_path, SNIPPET)
    assert out["errors"] == []
    assert "UNIQUE constraint failed" not in out["_stderr"]
    assert out["outbox"] == 400
    assert out["sent"] == 400
    assert out["max_attempts"] == 1, "a message was claimed (and sent) by two senders"
