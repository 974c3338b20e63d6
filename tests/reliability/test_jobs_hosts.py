"""Workers on several hosts or containers: a running job is judged by its process only where
that process can be seen. Two containers on one host (host networking, or a fixed
`hostname:` in compose) share a hostname but not a process table: a web process must not
take the worker container's running job for dead (it would be resumed and run twice); it
waits for the heartbeat to go stale instead."""

from __future__ import annotations

import datetime as dt
import os
import socket

from core import jobs
from core.db import utcnow


def _gone_pid() -> int:
    pid = 4_000_000
    while jobs._pid_alive(pid):
        pid -= 1
    return pid


def _running(db, worker: str, beat_age_s: float) -> jobs.Job:
    job = jobs.submit("tests.reliability.scale_probe.record", "sonda", kwargs={"key": 1},
                      start=False)
    job.state, job.worker, job.attempts = jobs.JobState.RUNNING, worker, 1
    job.heartbeat_at = job.started_at = utcnow() - dt.timedelta(seconds=beat_age_s)
    db.commit()
    return job


def test_same_hostname_other_process_space_waits_for_the_heartbeat(db):
    other = f"{socket.gethostname()}:{_gone_pid()}@123#00000000-4026531999"
    alive = _running(db, other, beat_age_s=1)
    jobs.detect_interrupted()
    db.refresh(alive)
    assert alive.state == jobs.JobState.RUNNING  # its container is out of our sight
    stale = _running(db, other, beat_age_s=600)
    jobs.detect_interrupted()
    db.refresh(stale)
    assert stale.state == jobs.JobState.INTERRUPTED


def test_a_dead_process_of_this_space_is_seen_at_once(db):
    me = jobs.worker_id()
    assert f":{os.getpid()}@" in me
    dead = _running(db, me.replace(f":{os.getpid()}@", f":{_gone_pid()}@"), beat_age_s=1)
    jobs.detect_interrupted()
    db.refresh(dead)
    assert dead.state == jobs.JobState.INTERRUPTED
