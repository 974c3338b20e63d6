"""Issue 18 section 3, done means: 10 validated lab results 0.3 mg/L below the online chlorine
-> the tag is suspect for detection + one calibration work order (not another while it is
open). The analyser's readings live in a real InfluxDB (the production store), read through
telemetry.api as the validation hook does."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from core.auth import Profile
from core.outbox import drain
from incidents.models import WorkOrder
from lims.models.sensors import SensorPair
from lims.services import sensor_lab, validation
from saae.wiring import SUBSCRIPTIONS
from telemetry import api as telemetry_api
from telemetry.connectors.base import Reading
from telemetry.models.anomalies import Anomaly
from telemetry.models.tags import Asset, Tag
from tests.lims.test_results import CL, enter, sample
from tests.telemetry.conftest import INFLUX_URL, influx, influx_url  # noqa: F401  fixtures

TAG = "RES-09.CLORO"
POINT = 7909


def _analyser(db) -> Tag:
    asset = Asset(code="RES-09", name="Reservatório Serra Azul", kind="reservatorio",
                  sector_code="SET-09", latitude=-22.9, longitude=-47.06)
    db.add(asset)
    db.flush()
    tag = Tag(name=TAG, description="Cloro residual livre na saída", unit="mg/L",
              quantity="cloro", asset_id=asset.id, expected_period_seconds=30,
              plausible_min=0, plausible_max=10,
              detectors={"comunicacao": {"k": 5}, "limite": {"low": 0.2, "hysteresis": 0.05,
                                                              "on_delay_s": 120, "off_delay_s": 300}})
    db.add(tag)
    db.commit()
    return tag


def test_lab_below_online_chlorine_marks_suspect_and_one_calibration(
        db, app, settings, ref, influx, monkeypatch, make_user, client, login_as):  # noqa: F811
    monkeypatch.setitem(app.config, "SAAE_SETTINGS", dataclasses.replace(
        settings, timeseries_url=INFLUX_URL, influx_database=influx.database))
    tag = _analyser(db)
    analyst, sup = make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)
    sensor_lab.seed_rules()  # chlorine: 0.2 mg/L over the last 5 pairs (editable data)
    samples = [sample(day=d, point_id=POINT) for d in range(1, 11)]
    sensor_lab.set_point_tags(POINT, {"cloro": TAG}, reason="analisador do ponto")
    db.commit()
    # the analyser reads 0.9 mg/L around each collection (every 30 s, +-10 min)
    influx.write([Reading(TAG, s.collected_at + dt.timedelta(seconds=30 * k), 0.9, "good")
                  for s in samples for k in range(-20, 21)])

    for n, s in enumerate(samples, start=1):
        r = enter(s, CL, "0,6", analyst)  # the lab: 0.3 mg/L below the analyser
        validation.validate([r.id], sup.id)
        db.commit()
        drain(SUBSCRIPTIONS)
        db.refresh(tag)
        assert tag.suspect is (n >= 5), n
        orders = db.scalars(select(WorkOrder).where(WorkOrder.tag == TAG)).all()
        assert len(orders) == (1 if n >= 5 else 0), n

    pairs = db.scalars(select(SensorPair).where(SensorPair.tag == TAG)).all()
    assert len(pairs) == 10 and {(p.lab_value, p.online_value) for p in pairs} == {(0.6, 0.9)}
    # a supervisor's correction pairs the new value too (the old pair no longer counts)
    fixed = validation.correct(r.id, "0,9", "transcrição errada do boletim", sup.id)
    db.commit()
    drain(SUBSCRIPTIONS)
    assert db.scalars(select(SensorPair).where(SensorPair.result_id == fixed.id)).one().lab_value == 0.9
    (wo,) = db.scalars(select(WorkOrder).where(WorkOrder.tag == TAG)).all()
    assert wo.service_code == "MAN-SENSOR" and wo.origin == "calibracao"
    assert "acima do laboratório em 0,30 mg/L" in wo.description
    assert "acima do laboratório" in tag.suspect_reason and tag.suspect_since is not None
    assert telemetry_api.tag_info(TAG).suspect

    # the monitor skips the suspect analyser's process detectors: a low reading opens nothing
    from telemetry import monitor

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    influx.write([Reading(TAG, now - dt.timedelta(seconds=30 * k), 0.05, "good")
                  for k in range(0, 21)])
    report = monitor.run_once(now, store=influx, tag_names=[TAG])
    assert not report.errors and report.opened == []
    db.commit()
    # calibrated: a Gestor trusts it again from the tag's page (with a reason, audited) and
    # the same readings open the low-chlorine anomaly
    login_as(Profile.MANAGER)
    html = client.get(f"/telemetria/tags/{TAG}/editar").get_data(as_text=True)
    assert "analisador suspeito" in html and "acima do laboratório" in html
    client.post(f"/telemetria/tags/{TAG}/confiavel", data={"motivo": "ok"})
    db.refresh(tag)
    assert tag.suspect  # no reason, nothing changes
    client.post(f"/telemetria/tags/{TAG}/confiavel", data={"motivo": f"{wo.number} executada"})
    db.refresh(tag)
    assert not tag.suspect and not telemetry_api.tag_info(TAG).suspect
    report = monitor.run_once(now + dt.timedelta(seconds=1), store=influx, tag_names=[TAG])
    assert report.opened
    assert db.scalars(select(Anomaly).where(Anomaly.kind == "limite")).first() is not None
