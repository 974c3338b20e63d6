"""Live: `saae ingest` as a real process: TOML file, SIGTERM, connector states in the database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import time
import uuid

import pytest

from tests.telemetry.conftest import ROOT
from tests.telemetry.test_live_ingest import _publish, wait_for

pytestmark = pytest.mark.live


def test_saae_ingest_process(influx, tmp_path):
    from saae.migrate import upgrade

    dbfile = tmp_path / "saae.db"
    upgrade(f"sqlite:///{dbfile}")
    prefix = f"t{uuid.uuid4().hex[:8]}"
    toml = tmp_path / "conectores.toml"
    toml.write_text(f"""
[ingest]
flush_interval_s = 0.2
state_interval_s = 0.5
reject_unknown_tags = false  # the OUT.* tags of this test are not in the (empty) tags table

[[connector]]
name = "campo"
kind = "mqtt"
client_id = "cli-{prefix}"
session_expiry_s = 60

[[connector.topics]]
pattern = "{prefix}/lote/#"
tag = ""
format = "json"
tag_path = "tag"
value_path = "v"
ts_path = "t"
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAAE_")}
    env.update(SAAE_DATABASE_URL=f"sqlite:///{dbfile}", SAAE_TIMESERIES_URL=influx.url,
               SAAE_INFLUX_DATABASE=influx.database, SAAE_DATA_DIR=str(tmp_path),
               SAAE_TELEMETRY_CONFIG=str(toml))
    saae = ROOT / ".venv" / "bin" / "saae"
    check = subprocess.run([str(saae), "ingest", "--check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0 and "Configuração válida." in check.stdout
    proc = subprocess.Popen([str(saae), "ingest"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        def state(name):
            with sqlite3.connect(dbfile) as c:
                row = c.execute("select state, readings_total from telemetry_connector_state "
                                "where name = ?", (name,)).fetchone()
            return row

        assert wait_for(lambda: (state("campo") or ("",))[0] == "conectado", 15)
        sent = _publish(prefix, 30, 10, dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
        assert wait_for(lambda: influx.count() == sent, 10)
        time.sleep(0.8)
        assert state("campo") == ("conectado", sent)
        assert state("ingester")[0] == "conectado"
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert state("ingester")[0] == "parado" and state("campo")[0] == "parado"
    bad = tmp_path / "ruim.toml"
    bad.write_text('[[connector]]\nkind = "mqtt"\nname = "x"\nqos = 7\n'
                   '[[connector.topics]]\npattern = "a/+"\n')
    res = subprocess.run([str(saae), "ingest", "--config", str(bad), "--check"], env=env,
                         capture_output=True, text=True)
    assert res.returncode != 0 and "qos deve ser 0, 1 ou 2" in res.stderr
