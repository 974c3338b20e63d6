"""The demo utility's telemetry: its assets (core.demo) and tags, and a day of history."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import select

from core import demo
from core.db import session, unit_of_work
from telemetry import services
from telemetry.connectors.base import Reading
from telemetry.demo.sim_model import Plant
from telemetry.demo.tags import TAGS
from telemetry.models.tags import Tag
from telemetry.storage import SqlStorage, StoreUnavailable, storage_for

log = logging.getLogger(__name__)

HISTORY_HOURS = 24
HISTORY_STEP = dt.timedelta(minutes=5)


def seed_demo(today: dt.date) -> None:
    """The demo utility's assets (core.demo ASSETS and SECTORS) and tags, plus a day of
    history in the configured store so charts are not empty."""
    with unit_of_work():
        for a in demo.ASSETS:
            services.save_asset(a.code, name=a.name, kind=a.kind, sector_code=a.sector_code,
                                system_code=a.system_code, latitude=a.lat, longitude=a.lon)
        for s in demo.SECTORS:
            services.save_asset(s.code, name=s.name, kind="setor", sector_code=s.code,
                                system_code=s.system_code, latitude=s.lat, longitude=s.lon)
        existing = set(session.scalars(select(Tag.name)))
        for t in TAGS:
            if t.name in existing:
                continue
            services.save_tag(t.name, asset_code=t.asset_code, unit=t.unit,
                              description=t.description, quantity=t.quantity,
                              expected_period_seconds=t.period_s, plausible_min=t.lo,
                              plausible_max=t.hi, create=True)
    seed_history(dt.datetime.now(dt.UTC), hours=HISTORY_HOURS)


def history(end: dt.datetime, hours: int = HISTORY_HOURS,
            step: dt.timedelta = HISTORY_STEP) -> list:
    """Readings of every demo tag from end - hours to end, every `step` (no events)."""
    plant = Plant(seed=7)
    end = end.replace(second=0, microsecond=0)
    t = end - dt.timedelta(hours=hours)
    out = []
    while t <= end:
        for name, vq in plant.sample(t).items():
            if vq is not None:
                out.append(Reading(name, t, vq[0], vq[1]))
        t += step
    return out


def seed_history(end: dt.datetime, hours: int = HISTORY_HOURS) -> int:
    """Write a day of history to the configured store; a store that is down is not fatal."""
    store = storage_for(current_app.config["SAAE_SETTINGS"])
    if isinstance(store, SqlStorage):
        # ride on the seed's own transaction: on SQLite a second connection would wait for the
        # seed's write lock and fail
        store = SqlStorage(session.connection())
    readings = history(end, hours)
    try:
        return store.write(readings)
    except StoreUnavailable as exc:
        log.warning("histórico da telemetria não gravado: %s", exc)
        return 0
