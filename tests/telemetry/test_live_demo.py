"""Live: `saae demo`'s SCADA in process (telemetry.demo.scada.demo_scada): the simulator's real OPC UA
and Modbus servers and its MQTT publishes, read by an in-process ingester into the embedded
store, with the connectors' health in the database. Run in a child process, since it builds
an app on an SQLite file of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.telemetry.conftest import ROOT

pytestmark = pytest.mark.live

SCRIPT = textwrap.dedent("""
    import datetime as dt, json, sys, time
    sys.path.insert(0, {root!r})
    from core.config import Settings
    from saae.app import create_app
    from saae.migrate import upgrade
    upgrade({url!r})
    app = create_app(Settings.from_env())
    with app.app_context():
        from core.db import unit_of_work
        from core import demo
        from telemetry import services
        from telemetry.demo.tags import TAGS
        with unit_of_work():
            for a in demo.ASSETS:
                services.save_asset(a.code, name=a.name, kind=a.kind, sector_code=a.sector_code)
            for s in demo.SECTORS:
                services.save_asset(s.code, name=s.name, kind="setor", sector_code=s.code)
            for t in TAGS:
                services.save_tag(t.name, asset_code=t.asset_code, unit=t.unit, quantity=t.quantity,
                                  expected_period_seconds=t.period_s, plausible_min=t.lo,
                                  plausible_max=t.hi, create=True)
    from telemetry.demo.scada import demo_scada
    from telemetry.demo.scada import current_plant
    from telemetry.storage import SqlStorage
    from core.db import make_engine
    scada = demo_scada(app, tick_s=0.5)
    store = SqlStorage(make_engine({url!r}))
    names = [t.name for t in TAGS]
    for _ in range(60):
        time.sleep(0.5)
        if len(store.latest_per_tag()) == len(names):
            break
    current_plant().inject("comunicacao", "SET-01.VAZAO", dt.datetime.now(dt.UTC))
    time.sleep(2)
    lost_at = dt.datetime.now(dt.UTC)
    time.sleep(4)
    with app.app_context():
        states = {{s.name: s.state for s in services.connector_states()}}
        from telemetry.views.ingest import health
        h = health()
    latest = store.latest_per_tag()
    out = {{"kind": type(scada).__name__, "tags": sorted(latest), "states": states,
           "feeder": scada.feeder is not None, "page_running": h["ingester"]["running"],
           "silent": [n for n, r in latest.items() if r.ts < lost_at]}}
    scada.stop()
    print(json.dumps(out))
""")


def test_demo_scada_in_process_over_real_protocols(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT.format(root=str(ROOT), url=url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAAE_")}
    env.update(SAAE_DATABASE_URL=url, SAAE_TIMESERIES_URL="sql", SAAE_DATA_DIR=str(tmp_path),
               SAAE_MQTT_URL="mqtt://127.0.0.1:1883")
    res = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    from telemetry.demo.tags import TAGS

    assert out["kind"] == "DemoScada" and out["feeder"] is False  # Mosquitto is up: all MQTT
    assert out["tags"] == sorted(t.name for t in TAGS)
    assert out["states"] == {"ingester": "conectado", "eta-opcua": "conectado",
                             "pocos-modbus": "conectado", "campo-mqtt": "conectado"}
    assert out["page_running"] is True
    assert out["silent"] == ["SET-01.VAZAO"]  # the injected communication loss
