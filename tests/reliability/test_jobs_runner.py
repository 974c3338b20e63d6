"""Item 1: every process that enqueues uses the configured runner, and a job whose worker
died shows as interrupted, with a pt-BR reason, on its page, where it can be resumed or
cancelled.

On main `saae.wsgi:app` never installed the Celery backend: `enqueue()` ran jobs inline, in
the gunicorn worker, inside the request."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sqlalchemy import func, select

from core.auth import Profile
from tests.reliability.fault_world import ROOT

PROBE = """
import core.tasks as t
import saae.wsgi
print("inline" if t._backend is t._inline else "queued")
"""


def test_wsgi_app_hands_jobs_to_the_configured_runner(settings):
    env = {"SAAE_DATABASE_URL": settings.database_url, "SAAE_TASK_RUNNER": "celery",
           "SAAE_DATA_DIR": str(settings.data_dir), "SAAE_ENV": "test", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "queued"


def test_production_runs_jobs_on_celery_only():
    import pytest

    from core.config import ConfigError, Settings

    key = "k" * 40
    assert Settings.from_env({"SAAE_ENV": "production", "SAAE_SECRET_KEY": key}).task_runner == "celery"
    with pytest.raises(ConfigError, match="SAAE_TASK_RUNNER deve ser celery"):
        Settings.from_env({"SAAE_ENV": "production", "SAAE_SECRET_KEY": key,
                           "SAAE_TASK_RUNNER": "inprocess"})


def _dead_batch(db, setup_billing, make_connection):
    """A batch whose worker died: PROCESSANDO, its job running on a process that is gone."""
    from commercial.models import BatchState, Reading
    from commercial.services import batches
    from core import jobs

    today = dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    for _ in range(3):
        conn = make_connection()
        db.add(Reading(connection_id=conn.id, year=last.year, month=last.month,
                       read_on=last.replace(day=18), value=120, previous_value=100, consumption=20,
                       kind="real"))
    db.commit()
    batch = batches.request_batch(setup_billing.id, last.year, last.month, issue_date=today,
                                  run=False)
    job = batches.start_batch_job(batch.id, start=False)
    batch.state = BatchState.PROCESSING.value
    job.state, job.worker, job.attempts = jobs.JobState.RUNNING, "outra-maquina:4242", 1
    job.heartbeat_at = job.started_at = jobs.utcnow() - dt.timedelta(minutes=10)
    db.commit()
    return batch, job


def test_interrupted_batch_shown_and_resumed_from_its_page(client, db, login_as, setup_billing,
                                                           make_connection, monkeypatch):
    monkeypatch.setattr("commercial.services.pdfpool.default_processes", lambda: 0)
    from commercial.models import Invoice

    batch, job = _dead_batch(db, setup_billing, make_connection)
    login_as(Profile.MANAGER)
    page = client.get(f"/comercial/faturamento/lotes/{batch.id}").get_data(as_text=True)
    assert "Interrompido" in page and "parou sem concluí-lo" in page
    assert f"/trabalhos/{job.id}/retomar" in page
    client.post(f"/trabalhos/{job.id}/retomar",
                data={"voltar": f"/comercial/faturamento/lotes/{batch.id}"})
    db.refresh(batch)
    db.refresh(job)
    assert batch.state == "concluido" and job.state == "concluido" and job.attempts == 2
    assert db.scalar(select(func.count()).select_from(Invoice)
                     .where(Invoice.batch_id == batch.id)) == 3
    # a second resume of a finished job is refused, nothing runs twice
    again = client.post(f"/trabalhos/{job.id}/retomar", headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert db.scalar(select(func.count()).select_from(Invoice)
                     .where(Invoice.batch_id == batch.id)) == 3


def test_interrupted_batch_cancelled_from_its_page_frees_the_month(client, db, login_as,
                                                                   setup_billing, make_connection):
    from commercial.services import batches

    batch, job = _dead_batch(db, setup_billing, make_connection)
    login_as(Profile.MANAGER)
    resp = client.post(f"/trabalhos/{job.id}/cancelar", data={"motivo": "refazer com leituras novas"},
                       headers={"Accept": "application/json"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.refresh(batch)
    db.refresh(job)
    assert job.state == "cancelado" and batch.state == "cancelado"
    again = batches.request_batch(setup_billing.id, batch.year, batch.month,
                                  issue_date=dt.date.today(), run=False)
    assert again.id != batch.id


def test_job_page_needs_the_jobs_permission(client, db, login_as, setup_billing, make_connection):
    _batch, job = _dead_batch(db, setup_billing, make_connection)
    login_as(Profile.TECHNICIAN)
    assert client.get(f"/trabalhos/{job.id}").status_code == 403
    assert client.post(f"/trabalhos/{job.id}/retomar").status_code == 403
