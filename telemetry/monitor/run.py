"""One pass of the monitor: each active tag's detectors over its recent window."""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit import audit_context
from core.db import session, utcnow
from telemetry import detection, shelving
from telemetry.models.tags import Quantity, Tag
from telemetry.monitor.record import RunReport, announce_unshelved, reconcile
from telemetry.storage import storage_for
from telemetry.waterquality import live

log = logging.getLogger(__name__)

QUALITY_QUANTITIES = (Quantity.TURBIDITY, Quantity.CHLORINE, Quantity.PH, Quantity.CONDUCTIVITY,
                      Quantity.REDOX)
# what still runs on a suspect tag (the lab disagrees with it): its own health, not the water's
SENSOR_HEALTH = ("comunicacao", "travado")
_run_lock = threading.Lock()


def effective_config(tag: Tag) -> dict[str, dict[str, Any]]:
    """The tag's detectors with their parameters; comunicacao is on unless set to false."""
    raw = dict(tag.detectors or {})
    cfg: dict[str, dict[str, Any]] = {}
    if raw.get("comunicacao", True) is not False:
        c = raw.get("comunicacao")
        cfg["comunicacao"] = dict(c) if isinstance(c, dict) else {}
    for name, params in raw.items():
        if name == "comunicacao" or params is False:
            continue
        cfg[name] = dict(params) if isinstance(params, dict) else {}
    return cfg


def _store() -> Any:
    return storage_for(current_app.config["SAAE_SETTINGS"])


def _quality_tags(tag: Tag, params: dict[str, Any]) -> list[str]:
    names = params.get("tags")
    if names:  # a suspect analyser (calibration pending) must not drive the score
        suspect = set(session.scalars(select(Tag.name).where(Tag.suspect.is_(True))))
        return [str(n) for n in names if str(n) not in suspect]
    rows = session.scalars(select(Tag.name).where(
        Tag.asset_id == tag.asset_id, Tag.active.is_(True), Tag.suspect.is_(False),
        Tag.quantity.in_([str(q) for q in QUALITY_QUANTITIES])).order_by(Tag.name))
    return list(rows)


def model_dir() -> Path:
    """Where the supervised quality models live (versioned files, see waterquality.model)."""
    return Path(current_app.config["SAAE_SETTINGS"].data_dir) / "modelos" / "qualidade"


class WindowCache:
    """Reads each tag's window once per pass (detectors of one tag, and the quality
    detector reading its neighbours, share it): [start, now), sliced for shorter asks."""

    def __init__(self, store: Any, now: dt.datetime) -> None:
        self.store = store
        self.now = now
        self._cache: dict[str, tuple[dt.datetime, list[Any]]] = {}
        self.reads = 0
        self.shelved: set[int] = set()  # tag ids shelved during this pass

    def read(self, tag: str, start: dt.datetime) -> list[Any]:
        hit = self._cache.get(tag)
        if hit is None or hit[0] > start:
            self.reads += 1
            self._cache[tag] = hit = (start, list(self.store.read_window(tag, start, self.now)))
        readings = hit[1]
        if hit[0] == start:
            return readings
        return readings[bisect.bisect_left([r.ts for r in readings], start):]

    def last(self, tag: str) -> Any:
        return self.store.last(tag)


def run_detector(name: str, params: dict[str, Any], tag: Tag, store: Any,
                 now: dt.datetime) -> tuple[list[detection.Finding], list[Any]]:
    """(findings, the tag's readings in the window) of one detector on one tag. `store` is
    a telemetry store or a WindowCache over one."""
    if not isinstance(store, WindowCache):
        store = WindowCache(store, now)
    spec = detection.DETECTORS[name]
    period = tag.expected_period_seconds
    start = now - spec.lookback(params, period)
    kwargs = {k: v for k, v in params.items() if k != "tags"}
    if name == "qualidade":
        names = _quality_tags(tag, params)
        if store.shelved:  # a shelved (known-bad) probe must not drive the plant's score
            bad = set(session.scalars(select(Tag.name).where(Tag.id.in_(store.shelved))))
            names = [n for n in names if n not in bad]
        series = {n: store.read(n, start) for n in names}
        if kwargs.get("method") == "modelo" and "model_dir" not in kwargs:
            kwargs["model_dir"] = str(model_dir())
        findings = live.detect(series, start=start, end=now, **kwargs)
        return findings, series.get(tag.name, [])
    readings = store.read(tag.name, start)
    if name == "comunicacao":
        window_start = start
        if not readings:
            last = store.last(tag.name)
            if last is not None and last.ts < start:
                window_start = last.ts  # the silence began at the last reading, not the window
        findings = detection.communication_loss(readings, window_start=window_start, now=now,
                                                expected_period_s=period, **kwargs)
        return findings, readings
    if name in ("vazao_noturna",):
        kwargs.setdefault("expected_period_s", float(period))
    return spec.fn(readings, **kwargs), readings


# ---------------------------------------------------------------------------------------------
# the monitor pass
# ---------------------------------------------------------------------------------------------


def run_once(now: dt.datetime | None = None, *, store: Any = None,
             tag_names: Sequence[str] | None = None) -> RunReport:
    """One pass over every active tag (or `tag_names`). Returns what changed."""
    if not _run_lock.acquire(blocking=False):
        return RunReport(skipped=True)
    try:
        now = now or utcnow()
        store = store or _store()
        report = RunReport()
        stmt = select(Tag).where(Tag.active.is_(True)).order_by(Tag.name)
        if tag_names is not None:
            stmt = stmt.where(Tag.name.in_(list(tag_names)))
        tags = list(session.scalars(stmt).unique())
        report.tags = len(tags)
        cache = WindowCache(store, now)
        cache.shelved = shelving.shelved_tag_ids(now)
        announce_unshelved(cache.shelved, report)
        for tag in tags:
            cfg = effective_config(tag)
            # a configuration edited by hand may be wrong: say so in Portuguese, run the rest
            for name, problems in detection.validate_config(tag.detectors or {}).items():
                report.errors[f"{tag.name}/{name}"] = "; ".join(problems)
                cfg.pop(name, None)
            if tag.suspect:  # the lab disagrees with it: only its sensor-health detectors run
                cfg = {n: p for n, p in cfg.items() if n in SENSOR_HEALTH}
            # longest window first, so the tag is read from the store once
            order = sorted((n for n in cfg if n in detection.DETECTORS),
                           key=lambda n: detection.DETECTORS[n].lookback(
                               cfg[n], tag.expected_period_seconds), reverse=True)
            for name in order:
                params = cfg[name]
                try:
                    with audit_context(reason=f"monitor de telemetria: {name}"):
                        findings, readings = run_detector(name, params, tag, cache, now)
                        reconcile(tag.id, name, findings, now, readings, report)
                except IntegrityError:
                    # another monitor opened the same anomaly a moment ago: it will be seen
                    # as the open one on the next pass
                    session.rollback()
                    log.info("anomalia %s/%s aberta por outro monitor", tag.name, name)
                except Exception as exc:  # one tag's bad config or data must not stop the rest
                    session.rollback()
                    log.exception("detector %s falhou na tag %s", name, tag.name)
                    report.errors[f"{tag.name}/{name}"] = f"{exc.__class__.__name__}: {exc}"
        return report
    finally:
        _run_lock.release()


def run_scheduled(**_: Any) -> dict[str, Any]:
    """BEAT entry (saae/worker.py): one pass, summarised as JSON."""
    r = run_once()
    if r.opened or r.cleared or r.escalated:
        log.info("monitor: %d tags, abertas %s, escaladas %s, encerradas %s", r.tags, r.opened,
                 r.escalated, r.cleared)
    return {"tags": r.tags, "opened": r.opened, "escalated": r.escalated, "cleared": r.cleared,
            "errors": r.errors, "skipped": r.skipped}
