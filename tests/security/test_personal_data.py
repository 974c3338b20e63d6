"""Item 14: personal data. On the main of 2026-12-04 a technician read every consumer's whole
phone number and e-mail on the outbox page; the local provider logged the phone number with
the message text; under gunicorn the application's log lines had no time and no level."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from core.auth import Profile
from incidents.models import LocalOutbox

ROOT = Path(__file__).resolve().parents[2]


def test_technician_sees_contacts_masked(client, db, login_as):
    db.add_all([LocalOutbox(channel="sms", recipient="+5519998765432", content="Aviso de falta",
                            reference="sec-14-a"),
                LocalOutbox(channel="email", recipient="maria.silva@exemplo.com.br",
                            content="Aviso", reference="sec-14-b")])
    db.commit()
    login_as(Profile.TECHNICIAN)
    html = client.get("/incidentes/caixa-de-saida").get_data(as_text=True)
    assert "998765432" not in html and "maria.silva@" not in html
    assert "*5432" in html and "m***@exemplo.com.br" in html


def test_operator_sees_them_whole(client, db, login_as):
    db.add(LocalOutbox(channel="sms", recipient="+5519998765432", content="Aviso", reference="sec-14-c"))
    db.commit()
    login_as(Profile.OPERATOR)
    assert "+5519998765432" in client.get("/incidentes/caixa-de-saida").get_data(as_text=True)


def test_local_sender_logs_no_number_and_no_text(app, db, caplog):
    from commercial.services import delivery

    with app.test_request_context(), caplog.at_level(logging.INFO):
        delivery.send_message("sms", "+5519998765432", "Sua fatura vence dia 10, Maria")
    logged = caplog.text
    assert "998765432" not in logged and "Maria" not in logged and "5432" in logged


def test_logs_under_gunicorn_carry_time_and_level(database_url, tmp_path):
    code = ("import saae.wsgi, logging; "  # what gunicorn imports, then a log line of the app
            "logging.getLogger('commercial.services.batches').warning('lote 7 falhou')")
    env = {**os.environ, "SAAE_ENV": "test", "SAAE_DATABASE_URL": database_url,
           "SAAE_DATA_DIR": str(tmp_path), "SAAE_TIMESERIES_URL": "sql"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    line = [x for x in out.stderr.splitlines() if "lote 7 falhou" in x]
    assert line, out.stderr[-2000:]
    assert "WARNING" in line[0] and line[0][:4].isdigit() and ":" in line[0][:20], line[0]
