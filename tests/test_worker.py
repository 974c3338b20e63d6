"""The Celery app built from the Flask app, the one beat schedule, the in-process runner."""

from __future__ import annotations

import threading

import pytest

from core import tasks
from saae import worker
from saae.worker import BEAT, InProcessRunner, Periodic, make_celery

TICKS: list[int] = []
DONE = threading.Event()


def tick(n: int = 0) -> int:
    TICKS.append(n)
    DONE.set()
    return n * 2


@pytest.fixture()
def restore_backend():
    yield
    tasks.set_backend(tasks._inline)


def test_every_beat_job_resolves_and_has_a_unique_name():
    names = [p.name for p in BEAT]
    assert len(names) == len(set(names))
    for p in BEAT:
        assert callable(tasks.resolve(p.path)), p.path
        assert p.seconds > 0


def test_celery_app_is_built_from_the_flask_app(app, restore_backend):
    celery = make_celery(app)
    assert celery.conf.broker_url == app.config["SAAE_SETTINGS"].broker_url
    assert celery.conf.task_acks_late and celery.conf.task_serializer == "json"
    assert set(celery.conf.beat_schedule) == {p.name for p in BEAT}
    for p in BEAT:
        entry = celery.conf.beat_schedule[p.name]
        assert entry["task"] == "saae.run" and entry["args"][0] == p.path
    drain = next(p for p in BEAT if p.path == "saae.worker.drain_outbox")
    assert celery.conf.beat_schedule[drain.name]["schedule"] == (
        app.config["SAAE_SETTINGS"].outbox_interval_seconds)
    assert "saae.run" in celery.tasks
    assert app.extensions["celery"] is celery
    # the task runs the dotted function inside the app context
    assert celery.tasks["saae.run"].run("tests.test_worker.tick", {"n": 4}) == 8


def test_enqueue_refuses_a_typo_at_the_caller():
    with pytest.raises((ImportError, AttributeError)):
        tasks.enqueue("tests.test_worker.nao_existe")


def test_inline_backend_runs_now():
    assert tasks.enqueue("tests.test_worker.tick", n=3) == 6


def test_in_process_runner_runs_jobs_and_the_beat(app, monkeypatch, restore_backend):
    monkeypatch.setattr(worker, "BEAT", [Periodic("tick", "tests.test_worker.tick", 60, (("n", 1),))])
    TICKS.clear()
    DONE.clear()
    runner = InProcessRunner(app, workers=1).start()
    try:
        assert DONE.wait(10), "the beat loop ran the periodic job at start"
        future = tasks.enqueue("tests.test_worker.tick", n=21)
        assert future.result(timeout=10) == 42
    finally:
        runner.stop()
    assert 1 in TICKS and 21 in TICKS


def test_drain_outbox_job_uses_the_wiring(db):
    from saae.wiring import SUBSCRIPTIONS

    assert all(callable(h) for handlers in SUBSCRIPTIONS.values() for h in handlers)
    assert worker.drain_outbox() >= 0


def test_a_job_enqueued_in_a_transaction_is_queued_after_its_commit(db, restore_backend):
    from core.db import unit_of_work

    queued: list[tuple[str, dict]] = []
    tasks.set_backend(lambda path, kwargs: queued.append((path, kwargs)))
    with unit_of_work():
        tasks.enqueue("tests.test_worker.tick", n=1)
        assert queued == []  # not yet: the rows it needs are not committed
    assert queued == [("tests.test_worker.tick", {"n": 1})]

    queued.clear()
    with pytest.raises(RuntimeError), unit_of_work():
        tasks.enqueue("tests.test_worker.tick", n=2)
        raise RuntimeError("desfeito")
    assert queued == []  # a rolled-back transaction starts nothing
    tasks.enqueue("tests.test_worker.tick", n=3)  # outside a unit of work: now
    assert queued == [("tests.test_worker.tick", {"n": 3})]
