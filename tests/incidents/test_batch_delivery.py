"""Notices sent in batches (issue 17): one claim, one provider call and one recording
transaction per batch, with ONE evidence-chain append per batch that still holds one link per
message (own seq and hash), so the audit file verifies every message and a tampered one
fails; a crash in the middle of a batch loses nothing and sends nothing twice."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from sqlalchemy import event, func, select

from incidents import audit_file, domain
from incidents.channels import LocalOutbox, channels_for
from incidents.models import Evidence, Message, Receipt
from incidents.models import LocalOutbox as OutboxRow
from incidents.services import delivery, evidence, notify
from incidents.services import incidents as svc

CLI = [sys.executable, "-c", "from saae.cli import main; main()"]


class Crash(BaseException):
    """The sender process dying (not an error the code could handle)."""


def _notice(db, make_consumer, n: int = 12):
    for i in range(n):
        chans = ["sms"] if i % 3 == 0 else ["whatsapp"]
        make_consumer(f"Pessoa {i}", f"(19) 9{8100_0000 + i:08d}", sector="SET-77",
                      channels=chans)
    inc = svc.open_incident(title="Falta de água no Setor 77", kind="interrupcao",
                            origin="operador", notify=False, area={"sector_codes": ["SET-77"]})
    db.commit()
    notice = notify.queue_notice(inc.id, "abertura")
    db.commit()  # NoticeQueued waits in the outbox: the test sends by itself
    assert notice is not None and notice.recipients == n
    return inc, notice


def _sent_links(db, incident_id: int) -> list[Evidence]:
    return list(db.scalars(select(Evidence).where(Evidence.incident_id == incident_id,
                                                  Evidence.kind == "mensagem")
                           .order_by(Evidence.seq)))


def _provider_rows(db) -> dict[str, int]:
    return dict(db.execute(select(OutboxRow.reference, func.count(OutboxRow.id))
                           .group_by(OutboxRow.reference)).all())


def test_one_chain_append_per_batch_and_every_message_verifies(db, ref, make_consumer, tmp_path):
    inc, notice = _notice(db, make_consumer, 12)
    locks = []

    def count_locks(_conn, _cursor, statement, *_a):
        if "FOR UPDATE" in statement and "incidents_incident" in statement:
            locks.append(statement)

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", count_locks)
    try:
        assert delivery.dispatch(notice.id, batch=5) == 12
    finally:
        event.remove(engine, "before_cursor_execute", count_locks)
    assert len(locks) == 3  # batches of 5, 5 and 2: one chain lock each, not one per message
    msgs = notify.messages(inc.id)
    assert {m.status for m in msgs} == {"enviado"}
    assert len(db.scalars(select(Receipt).where(Receipt.message_id.in_([m.id for m in msgs])))
               .all()) == 12
    links = _sent_links(db, inc.id)
    assert sorted(e.message_id for e in links) == sorted(m.id for m in msgs)
    assert _provider_rows(db) == {m.key: 1 for m in msgs}
    # each link chains to the one before it, message by message, inside one append
    chain = evidence.chain(inc.id)
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))
    assert domain.verify_chain(evidence.as_records(chain)) == []
    data = audit_file.bundle(inc.id)
    assert audit_file.verify_bundle(data) == []

    # one message changed after sending: its link fails, and only its message is named
    victim = links[4]
    forged = evidence.as_records(chain)
    rec = next(r for r in forged if r["seq"] == victim.seq)
    rec["payload"] = dict(rec["payload"], content=rec["payload"]["content"] + " (alterado)")
    problems = audit_file.verify_bundle(dict(data, evidence=forged))
    assert f"evidência {victim.seq}: hash do registro não confere" in problems
    assert any(p.startswith(f"mensagem {victim.message_id} ") and "difere" in p for p in problems)
    assert not any(p.startswith(f"mensagem {links[3].message_id} ") for p in problems)
    # a message whose stored content was changed fails too
    bad = [dict(m, content="outro texto") if m["id"] == links[0].message_id else m
           for m in data["messages"]]
    assert any("conteúdo alterado" in p for p in
               audit_file.verify_bundle(dict(data, messages=bad)))

    # `saae incidents verify` on the exported file: intact, then one changed byte fails
    path = tmp_path / "dossie.zip"
    path.write_bytes(audit_file.export_zip(inc.id))
    ok = subprocess.run([*CLI, "incidents", "verify", str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in files if n.endswith(".json"))
    files[name] = files[name].replace(b"Pessoa 3", b"Pessoa 8", 1)
    with zipfile.ZipFile(path, "w") as z:
        for n, b in files.items():
            z.writestr(n, b)
    bad_run = subprocess.run([*CLI, "incidents", "verify", str(path)], capture_output=True,
                             text=True)
    assert bad_run.returncode != 0


def test_a_crash_while_the_provider_takes_the_batch_loses_and_doubles_nothing(
        db, ref, make_consumer, app, monkeypatch):
    inc, notice = _notice(db, make_consumer, 9)
    real = LocalOutbox.send_many

    def dies_after_three(self, msgs):
        real(self, msgs[:3])  # the provider got three of them, then the sender died
        raise Crash

    monkeypatch.setattr(LocalOutbox, "send_many", dies_after_three)
    with pytest.raises(Crash):
        delivery.dispatch(notice.id, batch=100)
    db.rollback()
    monkeypatch.setattr(LocalOutbox, "send_many", real)
    assert {m.status for m in notify.messages(inc.id)} == {"enviando"}  # claimed, not lost
    assert len(_provider_rows(db)) == 3 and _sent_links(db, inc.id) == []

    # the job resumes: what the provider has is confirmed (not sent again), the rest queued
    with app.app_context():
        got = delivery.settle_orphans(notice.id, channels_for(svc.settings()))
    assert got == {"confirmados": 3, "reenfileirados": 6, "incertos": 0}
    assert delivery.dispatch(notice.id) == 6
    msgs = notify.messages(inc.id)
    assert {m.status for m in msgs} == {"enviado"}
    assert _provider_rows(db) == {m.key: 1 for m in msgs}  # each once at the provider
    links = _sent_links(db, inc.id)
    assert sorted(e.message_id for e in links) == sorted(m.id for m in msgs)  # once each
    assert audit_file.verify_bundle(audit_file.bundle(inc.id)) == []


def test_a_crash_while_recording_the_batch_rolls_it_back_and_nothing_is_resent(
        db, ref, make_consumer, app, monkeypatch):
    inc, notice = _notice(db, make_consumer, 7)
    real = evidence.append_many

    def dies(*a, **k):
        raise Crash

    monkeypatch.setattr(evidence, "append_many", dies)
    with pytest.raises(Crash):
        delivery.dispatch(notice.id)
    db.rollback()
    monkeypatch.setattr(evidence, "append_many", real)
    msgs = notify.messages(inc.id)
    # nothing half-written: no message recorded as sent without its evidence
    assert {m.status for m in msgs} == {"enviando"}
    assert db.scalar(select(func.count(Receipt.id)).where(
        Receipt.message_id.in_([m.id for m in msgs]))) == 0
    assert len(_provider_rows(db)) == 7
    with app.app_context():
        got = delivery.settle_orphans(notice.id, channels_for(svc.settings()))
    assert got == {"confirmados": 7, "reenfileirados": 0, "incertos": 0}
    assert delivery.dispatch(notice.id) == 0  # nothing left to send
    msgs = notify.messages(inc.id)
    assert {m.status for m in msgs} == {"enviado"}
    assert _provider_rows(db) == {m.key: 1 for m in msgs}
    assert len(_sent_links(db, inc.id)) == 7
    assert audit_file.verify_bundle(audit_file.bundle(inc.id)) == []


def test_a_provider_without_send_many_is_sent_one_by_one(db, ref, make_consumer, monkeypatch):
    inc, notice = _notice(db, make_consumer, 4)
    monkeypatch.delattr(LocalOutbox, "send_many")
    assert delivery.dispatch(notice.id, batch=3) == 4
    msgs = notify.messages(inc.id)
    assert {m.status for m in msgs} == {"enviado"}
    assert len(_sent_links(db, inc.id)) == 4
    assert audit_file.verify_bundle(audit_file.bundle(inc.id)) == []
    assert all(m.status != "pendente" for m in db.scalars(select(Message)))
