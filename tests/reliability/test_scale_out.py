"""Scale out on loopback: two web processes (gunicorn, `saae.wsgi:app`) and two Celery workers
(`saae worker`, RabbitMQ on 5672) against one PostgreSQL. M jobs are queued through both web
processes (resuming M failed jobs, alternating between them, with one login: the session
cookie is signed by the shared SAAE_SECRET_KEY); each job writes one row. One worker's job
process is killed (SIGKILL) mid-job: the broker hands its task to the other worker, which
must not run it again; the job shows as interrupted and, resumed from the web, runs once.
Every job runs to completion exactly once (one committed row each, one start each but the
killed one's)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
import requests

from tests.conftest import TEST_PASSWORD
from tests.reliability.fault_world import ROOT, fault_world
from tests.reliability.scale_probe import TABLES
from tests.telemetry.conftest import free_port

M = 24
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture()
def world(tmp_path):
    with fault_world(tmp_path, "scale") as w:
        queue = f"saae-scale-{uuid.uuid4().hex[:8]}"  # no other install's worker takes ours
        w.env.update({"SAAE_TASK_RUNNER": "celery", "SAAE_TASK_QUEUE": queue,
                      "SAAE_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
                      "SAAE_SECRET_KEY": uuid.uuid4().hex * 2, "SAAE_TIMESERIES_URL": "sql",
                      "PYTHONPATH": str(ROOT)})
        with psycopg.connect(w.pg_url, autocommit=True) as c:
            for ddl in TABLES:
                c.execute(ddl)
        w.python(f"""
            from core.auth import Profile
            from saae.seed import create_user
            with unit_of_work():
                create_user("chefe", "Chefe", [Profile.ADMINISTRATOR], {TEST_PASSWORD!r})
            print(json.dumps({{}}))
        """)
        yield w


def _web(world, port):
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                             f"127.0.0.1:{port}", "saae.wsgi:app"], cwd=ROOT, env=world.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _up(url, timeout=90):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if requests.get(url + "/entrar", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not start")


def _login(web):
    s = requests.Session()
    token = CSRF.search(s.get(web + "/entrar").text).group(1)
    r = s.post(web + "/entrar", data={"username": "chefe", "password": TEST_PASSWORD,
                                      "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 302, r.text[:2000]
    return s


def _resume(s, web, job_id):
    token = CSRF.search(s.get(f"{web}/trabalhos/{job_id}").text).group(1)
    r = s.post(f"{web}/trabalhos/{job_id}/retomar", data={"csrf_token": token},
               allow_redirects=False)
    assert r.status_code == 302, r.text[:2000]


def _wait(pred, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


def test_two_webs_two_workers_run_each_job_once(world):
    ports = [free_port(), free_port()]
    webs = [f"http://127.0.0.1:{p}" for p in ports]
    procs = [_web(world, p) for p in ports]
    procs += [world.start_worker("worker", "--no-beat", "--concurrency", "1") for _ in range(2)]
    try:
        for w in webs:
            _up(w)
        ids = world.python(f"""
            from core import jobs
            with unit_of_work():
                made = [jobs.submit("tests.reliability.scale_probe.record", "sonda",
                                    kwargs={{"key": i, "slow": i == 0}}, start=False)
                        for i in range({M})]
                for job in made:
                    job.state = jobs.JobState.FAILED
            print(json.dumps({{"ids": [job.id for job in made]}}))
        """)["ids"]
        session = _login(webs[0])  # one login, valid on both web processes
        for i, job_id in enumerate(ids):
            _resume(session, webs[i % 2], job_id)
        slow = ids[0]
        assert _wait(lambda: world.job(slow)["state"] == "executando"), world.job(slow)
        pid = int(world.job(slow)["worker"].rpartition(":")[2].partition("@")[0])
        os.kill(pid, signal.SIGKILL)  # the job's process (what the OOM killer picks)
        assert _wait(lambda: world.one("SELECT count(*) FROM core_job WHERE state = 'concluido'")
                     == M - 1), world.sql("SELECT id, state FROM core_job")
        _wait(lambda: world.job(slow)["state"] == "interrompido", 10)  # the page detects it
        session.get(f"{webs[1]}/trabalhos/{slow}")
        assert world.job(slow)["state"] == "interrompido", world.job(slow)
        _resume(session, webs[1], slow)
        assert _wait(lambda: world.job(slow)["state"] == "concluido"), world.job(slow)
    finally:
        for p in procs:
            with_group_kill(p)
    done = world.sql("SELECT key, count(*) FROM scale_probe_done GROUP BY key ORDER BY key")
    assert done == [(i, 1) for i in range(M)]
    starts = dict(world.sql("SELECT key, count(*) FROM scale_probe_start GROUP BY key"))
    assert starts == {i: 2 if i == 0 else 1 for i in range(M)}  # only the killed one twice
    attempts = dict(world.sql("SELECT id, attempts FROM core_job"))
    assert attempts == {j: 2 if j == ids[0] else 1 for j in ids}
    pids = {p for (p,) in world.sql("SELECT DISTINCT pid FROM scale_probe_start")}
    assert len(pids) >= 2  # both workers took jobs (the killed one took the slow job)


def with_group_kill(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
