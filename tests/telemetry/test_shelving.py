"""Shelving (ISA-18.2) and the operators' labels, through the monitor, the real database
and the SQL time-series store."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import IllegalTransition, ValidationError
from core.events import OutboxMessage
from telemetry import monitor, services, shelving
from telemetry.connectors.base import Reading
from telemetry.models.anomalies import Anomaly
from telemetry.storage import SqlStorage

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture()
def turb(db):
    services.save_asset("ETA-S", name="ETA Sul", kind="eta", sector_code="SET-S")
    services.save_tag("ETA-S.TURB", asset_code="ETA-S", quantity="turbidez", unit="NTU",
                      expected_period_seconds=60, create=True,
                      detectors={"limite": {"high": 5}, "comunicacao": False})
    db.commit()
    return SqlStorage()


def _write(store, values, end):
    n = len(values)
    store.write([Reading("ETA-S.TURB", end - (n - i) * MIN, float(v)) for i, v in enumerate(values)])


def _detected(db):
    return [m for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if m.event_type == "AnomalyDetected"]


def test_a_shelved_sensor_records_but_calls_nobody_until_the_shelf_ends(db, turb):
    store = turb
    with pytest.raises(ValidationError):
        shelving.shelve("ETA-S.TURB", hours=2, reason=" ", username="op", now=NOW)
    with pytest.raises(ValidationError):
        shelving.shelve("ETA-S.TURB", hours=24 * 30, reason="x", username="op", now=NOW)
    shelf = shelving.shelve("ETA-S.TURB", hours=2, reason="sonda suja, limpeza agendada",
                            username="op", now=NOW - 10 * MIN)
    with pytest.raises(IllegalTransition):
        shelving.shelve("ETA-S.TURB", hours=1, reason="de novo", username="op", now=NOW)
    _write(store, [1] * 30 + [9] * 5, NOW)
    r = monitor.run_once(NOW, store=store)
    [a] = db.scalars(select(Anomaly)).unique().all()
    assert r.opened == [a.id] and a.shelved and a.is_open
    assert _detected(db) == []  # nobody is called while shelved
    # still bad after the shelf ends: announced then, once
    later = NOW + 2 * dt.timedelta(hours=1)
    _write(store, [9] * 30, later)
    monitor.run_once(later, store=store)
    db.refresh(a)
    assert not a.shelved and len(_detected(db)) == 1
    monitor.run_once(later + MIN, store=store)
    assert len(_detected(db)) == 1
    audit = db.scalars(select(AuditLog).where(AuditLog.model == "telemetry_shelf",
                                              AuditLog.row_id == str(shelf.id))).all()
    assert audit and "sonda suja" in (audit[0].reason or "")


def test_lifting_a_shelf_and_labels_from_the_anomaly_page(db, turb, client, login_as):
    store = turb
    shelf = shelving.shelve("ETA-S.TURB", hours=4, reason="manutenção", username="op", now=NOW)
    shelving.lift(shelf.id, username="op", now=NOW + MIN)
    with pytest.raises(IllegalTransition):
        shelving.lift(shelf.id, username="op", now=NOW + 2 * MIN)
    _write(store, [1] * 30 + [9] * 5, NOW + 5 * MIN)
    monitor.run_once(NOW + 5 * MIN, store=store)
    [a] = db.scalars(select(Anomaly)).unique().all()
    assert not a.shelved and len(_detected(db)) == 1
    # the operator's verdict (the supervised detector's training labels)
    a.kind = "qualidade"
    db.commit()
    login_as(Profile.OPERATOR)
    html = client.get(f"/telemetria/anomalias/{a.id}").get_data(as_text=True)
    assert "Evento confirmado" in html and "Alarme falso" in html
    r = client.post(f"/telemetria/anomalias/{a.id}/rotular", data={"label": "falso"},
                    follow_redirects=True)
    assert r.status_code == 200 and "alarme falso" in r.get_data(as_text=True)
    db.refresh(a)
    assert a.label == "falso" and a.labelled_at is not None
    assert [x.id for x in monitor.labelled()] == [a.id]
    with pytest.raises(ValidationError):
        monitor.label(a.id, "talvez", "op")


def test_shelving_page(db, turb, client, login_as):
    login_as(Profile.OPERATOR)
    html = client.get("/telemetria/supressoes").get_data(as_text=True)
    assert "Supressão de alarmes" in html and "Nenhuma supressão" in html
    r = client.post("/telemetria/supressoes", data={"tag": "ETA-S.TURB", "hours": "2",
                                                     "reason": "sonda em calibração"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "sonda em calibração" in html and "ativa" in html
    r = client.post("/telemetria/supressoes", data={"tag": "ETA-S.TURB", "hours": "2", "reason": ""},
                    follow_redirects=True)
    assert "Informe o motivo" in r.get_data(as_text=True)
    [s] = shelving.shelves()
    r = client.post(f"/telemetria/supressoes/{s.id}/liberar", follow_redirects=True)
    assert "liberada por" in r.get_data(as_text=True)
