"""Celery app built from create_app(), the beat schedule in one list, and the in-process
runner used by the embedded demo (no broker)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.signals import worker_ready
from flask import Flask

from core import tasks
from core.db import session as db_session
from core.outbox import drain
from saae.app import create_app
from saae.wiring import SUBSCRIPTIONS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    path: str  # dotted path to a function taking keyword arguments
    seconds: float
    kwargs: tuple[tuple[str, Any], ...] = ()


# The whole beat schedule. Areas add their periodic jobs here, one line each.
BEAT: list[Periodic] = [
    Periodic("drain-outbox", "saae.worker.drain_outbox", 5),
    Periodic("jobs-interrupted", "core.jobs.detect_interrupted", 60),
    Periodic("telemetry-monitor", "telemetry.monitor.run_scheduled", 60),
    Periodic("lims-monthly-reports", "lims.tasks.send_monthly_reports", 86_400),
    Periodic("lims-scheduled-samples", "lims.tasks.generate_scheduled_samples", 21_600),
    Periodic("incidents-dispatch", "incidents.tasks.dispatch_pending", 15),
    Periodic("incidents-oncall-escalation", "incidents.tasks.escalate_pages", 60),
    Periodic("incidents-timestamps", "incidents.tasks.timestamp_closed", 300),
    Periodic("commercial-due-batches", "commercial.tasks.run_due_batches", 3_600),
    Periodic("commercial-notices", "commercial.tasks.send_due_notices", 300),
    Periodic("portal-office-alerts", "portal_publico.office_alerts.send_pending", 300),
]


def interval(p: Periodic, settings: Any) -> float:
    """Seconds between runs of `p`; the outbox drain follows SAAE_OUTBOX_INTERVAL_SECONDS."""
    if p.path == "saae.worker.drain_outbox":
        return float(settings.outbox_interval_seconds)
    return p.seconds


def drain_outbox() -> int:
    return drain(SUBSCRIPTIONS)


def _in_app(app: Flask, path: str, kwargs: dict[str, Any]) -> Any:
    with app.app_context():
        try:
            return tasks.call(path, kwargs)
        except Exception:
            log.exception("task %s failed", path)
            db_session.rollback()
            raise
        finally:
            db_session.remove()


def make_celery(app: Flask) -> Celery:
    settings = app.config["SAAE_SETTINGS"]
    celery = Celery("saae", broker=settings.broker_url)
    celery.conf.update(
        task_acks_late=True,
        task_default_queue=settings.task_queue,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        beat_schedule={
            p.name: {"task": "saae.run", "schedule": interval(p, settings),
                     "args": (p.path, dict(p.kwargs))}
            for p in BEAT
        },
    )

    @celery.task(name="saae.run", bind=True, max_retries=5)
    def run(self: Any, path: str, kwargs: dict[str, Any]) -> Any:
        try:
            return _in_app(app, path, kwargs)
        except Exception as exc:
            raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 300)) from exc

    tasks.set_backend(lambda path, kwargs: run.delay(path, kwargs))
    app.extensions["celery"] = celery

    @worker_ready.connect(weak=False)
    def _on_worker_ready(**_: Any) -> None:
        # a worker (re)starting: jobs left running by a dead one show as interrupted now
        with contextlib.suppress(Exception):
            _in_app(app, "core.jobs.detect_interrupted", {})

    return celery


def install_runner(app: Flask, *, beat: bool = False) -> InProcessRunner | None:
    """Hand `enqueue()` to the configured runner in this process: Celery (jobs go to the
    broker, a `saae worker` runs them) or, for a single-process install, threads of this
    process (`beat`: also the periodic jobs). Every process that enqueues calls this: the web
    (saae.wsgi, `saae serve`), the CLI and the worker."""
    settings = app.config["SAAE_SETTINGS"]
    if settings.task_runner == "celery":
        make_celery(app)
        return None
    return InProcessRunner(app, beat=beat).start()


class InProcessRunner:
    """Runs BEAT and enqueued jobs in threads of this process (embedded demo)."""

    def __init__(self, app: Flask, workers: int = 2, *, beat: bool = True) -> None:
        self.app = app
        self.beat = beat
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="saae-task")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="saae-beat", daemon=True)

    def start(self) -> InProcessRunner:
        tasks.set_backend(lambda path, kwargs: self.pool.submit(_in_app, self.app, path, kwargs))
        # this process is the worker: jobs of a previous, dead, run show as interrupted now
        with contextlib.suppress(Exception):
            _in_app(self.app, "core.jobs.detect_interrupted", {})
        if self.beat:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        due = {p.name: 0.0 for p in BEAT}
        while not self._stop.is_set():
            now = time.monotonic()
            for p in BEAT:
                if now >= due.get(p.name, 0.0):
                    due[p.name] = now + interval(p, self.app.config["SAAE_SETTINGS"])
                    # logged in _in_app; keep the loop alive
                    with contextlib.suppress(Exception):
                        _in_app(self.app, p.path, dict(p.kwargs))
            self._stop.wait(0.5)


def celery_app() -> Celery:
    """Entry point for `celery -A saae.worker:celery_app worker`."""
    return make_celery(create_app())
