"""/saude: the jobs' queries are the database's probe (no SELECT 1 when they answer); a
failure of theirs is told apart from a database that does not answer."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from core import jobs
from core.db import get_engine


@pytest.fixture()
def statements():  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def hook(_conn, _cur, statement, *_a):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(get_engine(), "before_cursor_execute", hook)
    yield seen
    event.remove(get_engine(), "before_cursor_execute", hook)


def test_healthy_without_a_separate_probe(db, client, statements):
    resp = client.get("/saude")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert resp.json == {"status": "ok", "componentes": {
        "banco_de_dados": {"ok": True}, "trabalhos": {"ok": True, "interrompidos": 0}}}
    queries = [s for s in statements if "SAVEPOINT" not in s]  # the tests' own transaction
    assert "SELECT 1" not in queries and len(queries) == 2


def test_jobs_failing_otherwise_leave_the_database_probed(db, client, monkeypatch, statements):
    def broken() -> dict[str, int]:
        raise RuntimeError("bug")

    monkeypatch.setattr(jobs, "counts", broken)
    resp = client.get("/saude")
    assert resp.status_code == 200 and "SELECT 1" in statements
    assert resp.json == {"status": "ok", "componentes": {"banco_de_dados": {"ok": True}}}


def test_an_unreachable_database_is_down(db, client, monkeypatch):
    def unreachable() -> int:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(jobs, "detect_interrupted", unreachable)
    resp = client.get("/saude")
    assert resp.status_code == 503 and resp.json["status"] == "indisponivel"
    assert resp.json["componentes"] == {"banco_de_dados": {
        "ok": False, "erro": "O banco de dados não responde: OperationalError"}}
