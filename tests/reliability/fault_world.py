"""Fault tests: a job runs in a real child process (`saae jobs run`) on its own, committed,
PostgreSQL database; the test kills the process group with SIGKILL mid-job (what an OOM
killer, `kill -9` or a lost container does), then restarts and resumes it, and counts.

The suite's own database is a transaction rolled back per test, invisible to other
processes; so each fault test gets a fresh database, migrated and dropped here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("SAAE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")

PRELUDE = """
import json, os, sys
sys.path.insert(0, os.getcwd())
from core.config import Settings
from saae.app import create_app
app = create_app(Settings.from_env(), TESTING=True)
ctx = app.app_context(); ctx.push()
from core.db import session, unit_of_work
"""


class World:
    def __init__(self, name: str, data_dir: Path) -> None:
        base = PG_ADMIN.rsplit("/", 1)[0]
        self.name = name
        self.pg_url = f"{base}/{name}"
        self.url = self.pg_url.replace("postgresql://", "postgresql+psycopg://")
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SAAE_")}
        self.env.update({"SAAE_DATABASE_URL": self.url, "SAAE_DATA_DIR": str(data_dir),
                         "SAAE_ENV": "test", "SAAE_TASK_RUNNER": "inprocess",
                         "SAAE_JOB_HEARTBEAT_SECONDS": "0.2", "SAAE_JOB_STALE_SECONDS": "5"})

    def python(self, snippet: str, timeout: float = 600, **env: str) -> dict[str, Any]:
        """Run a snippet in a child process on this database; it prints one JSON line."""
        proc = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(snippet)],
                              cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True,
                              timeout=timeout)
        assert proc.returncode == 0, proc.stderr[-4000:]
        return json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])

    def saae(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from saae.cli import main; main()", *args],
                              cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True,
                              timeout=timeout)

    def start_worker(self, *args: str, **env: str) -> subprocess.Popen:
        """`saae <args>` in its own process group (so the kill takes its render workers too)."""
        return subprocess.Popen([sys.executable, "-c", "from saae.cli import main; main()", *args],
                                cwd=ROOT, env={**self.env, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.pg_url, autocommit=True) as c:
            return list(c.execute(query, params).fetchall())

    def one(self, query: str, *params: Any) -> Any:
        return self.sql(query, *params)[0][0]

    def job(self, job_id: int) -> dict[str, Any]:
        row = self.sql("SELECT state, done, total, attempts, worker, interrupted_reason, error "
                       "FROM core_job WHERE id = %s", job_id)[0]
        return dict(zip(("state", "done", "total", "attempts", "worker", "reason", "error"),
                        row, strict=True))

    def kill_mid_job(self, proc: subprocess.Popen, job_id: int,
                     ready: Callable[[dict[str, Any]], bool], timeout: float = 300) -> dict[str, Any]:
        """SIGKILL the worker's process group as soon as `ready(job row)` holds."""
        t0 = time.monotonic()
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                raise AssertionError(f"the job ended before the kill: {out[-3000:]}")
            j = self.job(job_id)
            if j["state"] == "executando" and ready(j):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
                return j
            if time.monotonic() - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                raise AssertionError(f"the job never reached the kill point: {j}")
            time.sleep(0.05)


@contextmanager
def fault_world(tmp_path: Path, prefix: str) -> Iterator[World]:
    name = f"saae_fault_{prefix}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    world = World(name, tmp_path / "data")
    try:
        from saae.migrate import upgrade

        upgrade(world.url)
        yield world
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
