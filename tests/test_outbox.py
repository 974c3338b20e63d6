"""The transactional outbox: nothing leaves a rolled-back transaction, redelivery is harmless,
and concurrent drains on PostgreSQL never take the same row (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import get_engine, unit_of_work
from core.events import Event, OutboxMessage, ProcessedEvent, publish
from core.outbox import MAX_ATTEMPTS, drain


@dataclasses.dataclass(frozen=True)
class ThingHappened(Event):
    """Test event."""

    thing_id: int
    amount: Decimal = Decimal("0")
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class ConcurrentThingHappened(Event):
    """Test event used only by the concurrency test (its own type, so other rows are ignored)."""

    n: int


class Recorder:
    """An idempotent handler: remembers what it saw, keyed by event."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, event: Event) -> None:
        assert isinstance(event, ThingHappened)
        self.seen.append(event.thing_id)


def test_payload_round_trip():
    at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    ev = ThingHappened(thing_id=7, amount=Decimal("12.34"), at=at)
    back = ThingHappened.from_payload(ev.to_payload())
    assert back == ev and isinstance(back.amount, Decimal) and back.at == at


def test_publish_in_a_rolled_back_transaction_delivers_nothing(db):
    rec = Recorder()
    with pytest.raises(RuntimeError), unit_of_work():
        publish(ThingHappened(thing_id=1))
        db.flush()
        raise RuntimeError("falhou depois de publicar")
    assert db.scalars(select(OutboxMessage).where(
        OutboxMessage.event_type == "ThingHappened")).all() == []
    assert drain({ThingHappened: [rec]}) == 0
    assert rec.seen == []


def test_publish_then_drain_twice_delivers_exactly_once(db):
    rec = Recorder()
    with unit_of_work():
        publish(ThingHappened(thing_id=42))
    subs = {ThingHappened: [rec]}
    assert drain(subs) >= 1
    assert drain(subs) == 0
    assert rec.seen == [42]
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "ThingHappened")).one()
    assert row.processed_at is not None and row.attempts == 1


def test_a_failing_handler_is_retried_without_rerunning_the_others(db):
    ok, flaky_calls = Recorder(), []

    def flaky(event: Event) -> None:
        flaky_calls.append(event)
        if len(flaky_calls) == 1:
            raise RuntimeError("provedor fora do ar")

    subs = {ThingHappened: [ok, flaky]}
    with unit_of_work():
        publish(ThingHappened(thing_id=5))
    drain(subs)  # ok runs, flaky fails; the row stays pending (not retried in a tight loop)
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "ThingHappened")).one()
    assert row.processed_at is None and row.attempts == 1 and "provedor" in row.last_error
    assert len(flaky_calls) == 1
    drain(subs)  # flaky runs again; ok is remembered in core_processed_event
    assert ok.seen == [5] and len(flaky_calls) == 2
    db.refresh(row)
    assert row.processed_at is not None
    names = set(db.scalars(select(ProcessedEvent.handler).where(ProcessedEvent.outbox_id == row.id)))
    assert len(names) == 2


def test_a_handler_that_always_fails_ends_dead(db):
    def broken(event: Event) -> None:
        raise RuntimeError("sempre")

    with unit_of_work():
        publish(ThingHappened(thing_id=9))
    for _ in range(MAX_ATTEMPTS):
        drain({ThingHappened: [broken]})
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "ThingHappened")).one()
    assert row.dead and row.attempts == MAX_ATTEMPTS and row.processed_at is None


def test_a_handler_failure_rolls_back_its_own_writes(db):
    """Each handler runs in a SAVEPOINT: its half-done work disappears with its failure."""
    from core.org import Organization

    def half_done(event: Event) -> None:
        db.add(Organization(name="meia", short_name="m", municipality="x", uf="SP"))
        db.flush()
        raise RuntimeError("no meio")

    with unit_of_work():
        publish(ThingHappened(thing_id=3))
    drain({ThingHappened: [half_done]})
    assert db.scalars(select(Organization).where(Organization.name == "meia")).all() == []


def test_undecodable_rows_are_set_aside(db):
    with unit_of_work():
        db.add(OutboxMessage(event_type="EventoQueNaoExiste", payload={}))
    drain({})
    row = db.scalars(select(OutboxMessage).where(
        OutboxMessage.event_type == "EventoQueNaoExiste")).one()
    assert row.dead and "decode" in row.last_error


def test_two_concurrent_drains_never_take_the_same_row(app):
    """Two threads, two PostgreSQL connections, committed rows: each row is delivered once."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is a PostgreSQL feature")
    total = 24
    with Session(engine) as s:
        for n in range(total):
            publish(ConcurrentThingHappened(n=n), session=s)
        s.commit()
        ids = set(s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.event_type == "ConcurrentThingHappened")))
    seen: dict[str, list[int]] = {"a": [], "b": []}
    lock = threading.Lock()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        def handler(event: Event) -> None:
            assert isinstance(event, ConcurrentThingHappened)
            with lock:
                seen[name].append(event.n)
            time.sleep(0.05)  # hold the row lock while the other drain looks for work

        try:
            with Session(engine) as s:
                start.wait()
                drain({ConcurrentThingHappened: [handler]}, session=s)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in seen]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        a, b = seen["a"], seen["b"]
        assert not set(a) & set(b), "a row was taken by both drains"
        assert sorted(a + b) == list(range(total)), "every row delivered exactly once"
        assert a and b, "both drains worked in parallel"
        with Session(engine) as s:
            rows = s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
            assert all(r.processed_at is not None and r.attempts == 1 for r in rows)
    finally:
        with engine.begin() as conn:
            conn.execute(delete(ProcessedEvent).where(ProcessedEvent.outbox_id.in_(ids)))
            conn.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
