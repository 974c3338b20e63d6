"""core.db: the unit of work (outermost commit, all-or-nothing) and aware UTC datetimes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.db import NAMING_CONVENTION, Base, transactional, unit_of_work, utcnow
from core.org import Organization


def _org(name: str) -> Organization:
    return Organization(name=name, short_name="T", municipality="Teste", uf="SP")


@transactional
def _create(name: str, fail: bool = False) -> Organization:
    org = _org(name)
    from core.db import session

    session.add(org)
    if fail:
        raise ValueError("regra violada")
    return org


@transactional
def _create_two(fail_second: bool) -> None:
    _create("primeira")
    _create("segunda", fail=fail_second)


def _names(db) -> set[str]:
    return set(db.scalars(select(Organization.name)))


def test_nested_services_join_one_transaction(db):
    _create_two(fail_second=False)
    assert {"primeira", "segunda"} <= _names(db)


def test_a_failure_anywhere_rolls_back_the_whole_unit_of_work(db):
    with pytest.raises(ValueError):
        _create_two(fail_second=True)
    assert not {"primeira", "segunda"} & _names(db)


def test_unit_of_work_depth_is_restored(db):
    with unit_of_work() as s:
        assert s.info["saae_tx_depth"] == 1
        with unit_of_work():
            assert s.info["saae_tx_depth"] == 2
    assert s.info["saae_tx_depth"] == 0


def test_datetimes_are_aware_utc(db):
    org_row = _create("relogio")
    from core.auth import User

    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    user = User(username="relogio", name="Relogio", last_login_at=when)
    db.add(user)
    db.commit()
    db.expire_all()
    back = db.get(User, user.id).last_login_at
    assert back.tzinfo is not None and back == when and back.utcoffset() == dt.timedelta(0)
    with pytest.raises(Exception, match="naive"):
        db.add(User(username="ingenuo", name="x", last_login_at=dt.datetime(2026, 1, 1)))
        db.flush()
    db.rollback()
    assert org_row.id and utcnow().tzinfo is dt.UTC


def test_constraint_names_follow_the_convention():
    assert Base.metadata.naming_convention == NAMING_CONVENTION
    import saae.models  # noqa: F401

    for table in Base.metadata.tables.values():
        assert table.primary_key.name == f"pk_{table.name}", table.name


def test_unit_memo_reads_once_per_unit_of_work_and_never_serves_a_change(db):
    """core.db.unit_memo: one read per transaction; this session's own changes to the tables
    it was read from (pending or flushed) and any commit make it read again."""
    from core.auth import User
    from core.db import unit_memo

    reads = []

    def names() -> list[str]:
        reads.append(1)
        return sorted(db.scalars(select(User.username).where(User.username.like("memo%"))))

    def memo() -> list[str]:
        return unit_memo("test.names", names, models=(User,))

    assert memo() == [] and memo() == [] and len(reads) == 1
    u = User(username="memo1", name="Memo")
    db.add(u)  # pending, not flushed: read afresh (the query's autoflush writes it)
    assert memo() == ["memo1"] and len(reads) == 2
    assert memo() == ["memo1"] and len(reads) == 3  # flushed now: read and kept again
    assert memo() == ["memo1"] and len(reads) == 3
    u.name = "Memo renomeado"
    db.flush()  # a flushed change to the table forgets the value
    assert memo() == ["memo1"] and len(reads) == 4
    db.add(Organization(name="outra tabela", short_name="x", cnpj="00000000000191",
                        municipality="X", uf="MG"))
    db.flush()  # a table the value was not read from: still kept
    assert memo() == ["memo1"] and len(reads) == 4
    db.commit()  # another transaction may have written since
    assert memo() == ["memo1"] and len(reads) == 5


def test_a_pooled_connection_is_pinged_only_after_idling_and_a_dead_one_replaced(database_url):
    """core.db.ping_when_idle: no round trip before a connection in steady use (pool_pre_ping
    sent one before every request); after idling, a ping, and a connection the database
    dropped meanwhile is replaced without the caller seeing an error."""
    import time

    from sqlalchemy import create_engine

    from core.db import ping_when_idle
    from tests.conftest import _pg_exec

    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=0.3)
    pings: list[int] = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: (pings.append(1), real_ping(conn))[1]  # type: ignore[method-assign]
    try:
        with engine.connect() as c:
            pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as c:  # right away: the same connection, no ping
            assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar() == pid
        assert pings == []
        _pg_exec(f"SELECT pg_terminate_backend({pid})")  # dropped by the database while idle
        time.sleep(0.4)
        with engine.connect() as c:  # pinged, found dead, replaced
            assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
        assert len(pings) == 1
    finally:
        engine.dispose()
