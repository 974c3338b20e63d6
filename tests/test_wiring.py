"""The subscription table: keyed by event class, each handler typed with the class it gets
(or, across a forbidden import, a Protocol naming only fields the event carries)."""

from __future__ import annotations

import dataclasses
import inspect
import typing

from core.events import Event
from saae.wiring import SUBSCRIPTIONS


def test_every_handler_is_typed_with_its_event_class():
    for cls, handlers in SUBSCRIPTIONS.items():
        assert issubclass(cls, Event) and handlers
        fields = {f.name for f in dataclasses.fields(cls)}
        for h in handlers:
            (param,) = inspect.signature(h).parameters
            hint = typing.get_type_hints(h)[param]
            if hint is cls:
                continue
            assert getattr(hint, "_is_protocol", False), f"{h.__qualname__}: {hint} is not {cls}"
            assert set(typing.get_type_hints(hint)) <= fields, h.__qualname__


def test_new_fields_read_from_rows_published_before_they_existed():
    from telemetry.events import AnomalyDetected, EtaStoppageStarted

    old = {"anomaly_id": 1, "tag": "ETA-01.TURBIDEZ", "kind": "limite", "severity": "alta",
           "started_at": "2026-03-01T12:00:00+00:00", "asset_kind": "eta", "asset_code": "ETA-01",
           "asset_name": "ETA Rio Verde"}
    ev = AnomalyDetected.from_payload(old)
    assert ev.quantity == "" and ev.quality_signal is False
    stop = EtaStoppageStarted.from_payload({"eta_code": "ETA-01",
                                            "started_at": "2026-03-01T12:00:00+00:00"})
    assert stop.eta_name == "" and stop.sector_code is None


def test_telemetry_says_whether_an_anomaly_is_a_quality_signal(db):
    """incidents decides the incident kind from the event alone (no call back to telemetry)."""
    import datetime as dt
    from types import SimpleNamespace

    from sqlalchemy import select

    from telemetry.models.tags import Tag
    from telemetry.monitor import record
    from telemetry.seed import seed_demo

    seed_demo(dt.date.today())
    anomaly = SimpleNamespace(id=1, kind="limite", severity="alta", value=7.0, message="",
                              started_at=dt.datetime.now(dt.UTC), process=True)
    by_quantity = {str(t.quantity): t for t in db.scalars(select(Tag))}
    ev = record._detected_event(anomaly, by_quantity["turbidez"])
    assert ev.quantity == "turbidez" and ev.quality_signal is True
    ev = record._detected_event(anomaly, by_quantity["pressao"])
    assert ev.quantity == "pressao" and ev.quality_signal is False
