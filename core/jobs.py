"""Long background jobs that survive a dead worker.

A job is a row (`core_job`) plus a task: `submit()` writes the row in the caller's transaction
and hands `core.jobs.run(job_id)` to the configured runner (core.tasks). `run` claims the row
with a conditional UPDATE (only a queued job can start: a redelivered or doubled task is a
no-op), calls the job's function, and records the outcome. While it runs, a thread records a
heartbeat (and the progress the job reports) on its own connection, so a worker killed with
`kill -9`, an OOM or a lost machine leaves a row whose heartbeat stops. `detect_interrupted()`
(beat, worker start-up, the job's page) marks such rows `interrompido` with a pt-BR reason; a
person then resumes (the same function runs again, knowing it is a resumption) or cancels
(the job's cancel hook puts its subject back in a state a new request accepts).

Job functions make resumption safe themselves: one transaction for what must not be split
(the invoice batch), or a check of what is already done before each step (the monthly
closing per system, the report e-mail per system through `checkpoint()`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from core.audit import audit_context
from core.db import _DEPTH, get_engine, get_or_404, session, unit_of_work, utcnow
from core.errors import Conflict, NotFound
from core.job_model import CANCELLABLE, RESUMABLE, Job, JobState
from core.tasks import call, enqueue, resolve
from core.web import settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0


# -- inside a running job -----------------------------------------------------------------------

@dataclass
class _Running:
    job_id: int
    attempt: int
    done: int = 0
    total: int = 0
    keys: list[str] = field(default_factory=list)
    dirty: bool = False


_current: contextvars.ContextVar[_Running | None] = contextvars.ContextVar("saae_job", default=None)


def current_job_id() -> int | None:
    run_ = _current.get()
    return run_.job_id if run_ else None


def resuming() -> bool:
    """True inside a job run that is not its first (a person resumed it)."""
    run_ = _current.get()
    return run_ is not None and run_.attempt > 1


def progress(done: int, total: int | None = None) -> None:
    """Report progress; the heartbeat thread writes it (no extra transaction in the job)."""
    run_ = _current.get()
    if run_ is None:
        return
    run_.done = done
    if total is not None:
        run_.total = total
    run_.dirty = True


def checkpointed() -> set[str]:
    """Keys recorded by `checkpoint()` in this job's earlier runs and this one."""
    run_ = _current.get()
    return set(run_.keys) if run_ else set()


def checkpoint(key: str) -> None:
    """Record now, durably and outside the job's own transaction, that step `key` is done:
    a resumed run skips it. Call it right after the step's effect left the building (an
    e-mail accepted by the SMTP server)."""
    run_ = _current.get()
    if run_ is None:
        return
    run_.keys.append(key)
    with get_engine().begin() as c:
        c.execute(update(Job.__table__).where(Job.__table__.c.id == run_.job_id)
                  .values(checkpoint=list(run_.keys), heartbeat_at=utcnow()))


def _proc_start(pid: int) -> str:
    """The process's start time (clock ticks since boot, Linux): with the pid, it names one
    process, even after a restarted container hands the same pid to a new one."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _process_space() -> str:
    """Which process table this process sees: the boot (Linux boot_id) and the PID namespace.
    Two containers on one host may share a hostname (host networking, a fixed `hostname:`)
    but not their processes; "" where Linux does not say."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()[:8]
        ns = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        return ""
    return f"{boot}-{ns}"


def worker_id() -> str:
    """`host:pid@start#space`: names one process, and where it can be seen from."""
    pid = os.getpid()
    start = _proc_start(pid)
    space = _process_space()
    return (f"{socket.gethostname()}:{pid}" + (f"@{start}" if start else "")
            + (f"#{space}" if space else ""))


class _Heartbeat(threading.Thread):
    def __init__(self, run_: _Running, every: float) -> None:
        super().__init__(name=f"saae-job-{run_.job_id}-heartbeat", daemon=True)
        self.run_, self.every = run_, every
        self.stopped = threading.Event()

    def run(self) -> None:
        t = Job.__table__
        while not self.stopped.wait(self.every):
            values: dict[str, Any] = {"heartbeat_at": utcnow()}
            if self.run_.dirty:
                values.update(done=self.run_.done, total=self.run_.total)
            try:
                with get_engine().begin() as c:
                    c.execute(update(t).where(t.c.id == self.run_.job_id,
                                              t.c.attempts == self.run_.attempt,
                                              t.c.state == JobState.RUNNING).values(**values))
                self.run_.dirty = False
            except Exception:  # noqa: BLE001  a missed beat is retried at the next one
                log.warning("job %s: heartbeat not recorded", self.run_.job_id, exc_info=True)


# -- submitting and running -----------------------------------------------------------------

def submit(path: str, title: str, *, subject: str | None = None,
           kwargs: dict[str, Any] | None = None, cancel_path: str | None = None,
           permission: str | None = None, user_id: int | None = None, start: bool = True) -> Job:
    """Queue `path(**kwargs)` as a tracked job. Inside a unit of work the task is handed to
    the runner after the commit (core.tasks.enqueue)."""
    resolve(path)
    if cancel_path:
        resolve(cancel_path)
    with unit_of_work() as s:
        job = Job(path=path, title=title[:200], subject=subject, kwargs=dict(kwargs or {}),
                  cancel_path=cancel_path, permission=permission, requested_by_id=user_id,
                  state=JobState.QUEUED)
        s.add(job)
        s.flush()
    if start:  # after our commit; inside a caller's unit of work, after the caller's
        enqueue("core.jobs.run", job_id=job.id)
    return job


def run(job_id: int, heartbeat_seconds: float | None = None) -> Any:
    """The task every runner executes for a tracked job."""
    s = session()
    now = utcnow()
    with unit_of_work():
        claimed = s.execute(update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED)
                            .values(state=JobState.RUNNING, worker=worker_id(),
                                    attempts=Job.attempts + 1, started_at=now, heartbeat_at=now,
                                    finished_at=None, error=None, interrupted_reason=None)
                            .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:  # cancelled, already running elsewhere, or a redelivered task
        log.info("job %s not queued any more; nothing to do", job_id)
        return None
    job = s.get(Job, job_id)
    assert job is not None
    s.refresh(job)
    running = _Running(job.id, job.attempts, job.done, job.total, list(job.checkpoint or []))
    token = _current.set(running)
    # inside the caller's open transaction (the inline runner of the tests): the row is not
    # committed, nobody else can see it, and a failure belongs to the caller's transaction
    nested = s.info.get(_DEPTH, 0) > 0
    every = heartbeat_seconds if heartbeat_seconds is not None else _heartbeat_seconds()
    beat = _Heartbeat(running, every)
    if not nested:
        beat.start()
    try:
        result = call(job.path, dict(job.kwargs or {}))
    except Exception as exc:
        if nested:
            raise
        s.rollback()
        log.exception("job %s (%s) failed", job_id, job.path)
        _finish(running, JobState.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000])
        return None
    finally:
        beat.stopped.set()
        if beat.is_alive():
            beat.join(5)  # a beat in flight must not land after the outcome below
        _current.reset(token)
    _finish(running, JobState.DONE, result=result if isinstance(result, dict) else
            ({"valor": result} if isinstance(result, int | float | str) else None))
    return result


def _finish(running: _Running, state: JobState, *, error: str | None = None,
            result: dict[str, Any] | None = None) -> None:
    s = session()
    with unit_of_work():
        s.execute(update(Job).where(Job.id == running.job_id, Job.attempts == running.attempt)
                  .values(state=state, finished_at=utcnow(), heartbeat_at=utcnow(), error=error,
                          result=_jsonable(result),
                          done=running.done if state != JobState.DONE else
                          max(running.done, running.total), total=running.total)
                  .execution_options(synchronize_session=False))
    job = s.get(Job, running.job_id)
    if job is not None:
        s.refresh(job)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return {"valor": str(value)}


def _settings() -> Any:
    try:
        return settings()
    except RuntimeError:  # outside an app context (a bare script)
        return None


def _heartbeat_seconds() -> float:
    st = _settings()
    return float(getattr(st, "job_heartbeat_seconds", HEARTBEAT_SECONDS) or HEARTBEAT_SECONDS)


def _stale_after() -> dt.timedelta:
    st = _settings()
    return dt.timedelta(seconds=float(getattr(st, "job_stale_seconds", 120) or 120))


# -- interruption, resumption, cancellation ------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead(job: Job, now: dt.datetime, stale: dt.timedelta) -> bool:
    host, _, proc = (job.worker or "").rpartition(":")
    proc, _, space = proc.partition("#")
    pid, _, start = proc.partition("@")
    if host == socket.gethostname() and pid.isdigit() and space == _process_space():
        # same machine: the process table answers at once (and a live process whose
        # heartbeat waits on SQLite's write lock is not taken for dead)
        return not _pid_alive(int(pid)) or bool(start and _proc_start(int(pid)) != start)
    return job.heartbeat_at is None or job.heartbeat_at < now - stale


INTERRUPTED_REASON = ("O processo que executava este trabalho ({worker}) parou sem concluí-lo "
                      "(worker encerrado, reiniciado ou sem memória). O que estava pela metade "
                      "não foi gravado; retome para continuar de onde parou, ou cancele.")


def detect_interrupted() -> int:
    """Mark running jobs whose worker died as interrupted; returns how many."""
    now, stale = utcnow(), _stale_after()
    s = session()
    with unit_of_work():
        rows = list(s.scalars(select(Job).where(Job.state == JobState.RUNNING)
                              .with_for_update(skip_locked=True)))
        hit = 0
        for job in rows:
            if not _dead(job, now, stale):
                continue
            with audit_context(reason="trabalho interrompido: o worker parou"):
                job.state = JobState.INTERRUPTED
                job.interrupted_reason = INTERRUPTED_REASON.format(worker=job.worker or "?")[:500]
            hit += 1
            log.warning("job %s (%s) interrupted: worker %s stopped", job.id, job.path, job.worker)
    return hit


@contextmanager
def _locked(job_id: int, allowed: tuple[JobState, ...], refusal: str,
            code: str) -> Iterator[Job]:
    """The job, locked in a unit of work, when its state is one of `allowed`; else Conflict
    (`refusal` with {state})."""
    with unit_of_work():
        job = _get_for_update(job_id)
        if job.state not in allowed:
            raise Conflict(refusal.format(state=job.state_label.lower()), code=code)
        yield job


def resume(job_id: int, *, user_id: int | None = None, username: str = "sistema",
           start: bool = True) -> Job:
    """Queue an interrupted or failed job again; it runs knowing it is a resumption."""
    with _locked(job_id, RESUMABLE, "Este trabalho está {state}; só um trabalho interrompido "
                 "ou que falhou pode ser retomado.", "nao_retomavel") as job:
        with audit_context(reason=f"trabalho retomado por {username}"):
            job.state = JobState.QUEUED
            job.finished_at = None
        session().flush()
    if start:
        enqueue("core.jobs.run", job_id=job.id)
    return job


def cancel(job_id: int, reason: str, *, user_id: int | None = None,
           username: str = "sistema") -> Job:
    """Give up a queued, interrupted or failed job; its cancel hook releases its subject."""
    reason = (reason or "").strip()
    with _locked(job_id, CANCELLABLE, "Este trabalho está {state} e não pode ser cancelado.",
                 "nao_cancelavel") as job, \
            audit_context(reason=f"trabalho cancelado por {username}: {reason or 'sem motivo'}"):
        job.state = JobState.CANCELLED
        job.finished_at = utcnow()
        job.error = f"Cancelado por {username}" + (f": {reason}" if reason else "")
        session().flush()
        if job.cancel_path:
            call(job.cancel_path, dict(job.kwargs or {}))
    return job


def _get_for_update(job_id: int) -> Job:
    job = session().scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
    if job is None:
        raise NotFound("Trabalho não encontrado.")
    session().refresh(job)
    return job


def get(job_id: int) -> Job:
    job = get_or_404(Job, job_id, "Trabalho não encontrado.")
    session().refresh(job)
    return job


def latest_for(subject: str) -> Job | None:
    """The newest job about `subject` (e.g. "commercial.batch:7"), if any."""
    return session().scalars(select(Job).where(Job.subject == subject)
                             .order_by(Job.id.desc()).limit(1)).first()


def recent(limit: int = 100, state: str | None = None) -> list[Job]:
    stmt = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Job.state == state)
    return list(session().scalars(stmt))


def counts() -> dict[str, int]:
    return {str(k): int(v) for k, v in session().execute(
        select(Job.state, func.count()).group_by(Job.state)).all()}
