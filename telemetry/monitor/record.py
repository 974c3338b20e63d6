"""Recording what the detectors find: one open anomaly per (tag, kind), updated while the
episode lasts, escalated on a higher severity, closed when it is over; the events that go
with each step."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from core.audit import audit_context
from core.db import session, unit_of_work
from core.errors import NotFound
from core.events import publish
from telemetry import detection, shelving
from telemetry.events import (
    WATER_QUALITY_QUANTITIES,
    AnomalyCleared,
    AnomalyDetected,
    EtaStoppageEnded,
    EtaStoppageStarted,
)
from telemetry.models.anomalies import Anomaly, AnomalyState
from telemetry.models.tags import Tag

log = logging.getLogger(__name__)

EVIDENCE_BEFORE = dt.timedelta(minutes=30)
EVIDENCE_POINTS = 120


@dataclass
class RunReport:
    """What one pass of the monitor did (for logs, the CLI and tests)."""

    tags: int = 0
    opened: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: bool = False  # another pass was already running in this process


def _overlaps(f: detection.Finding, a: Anomaly, now: dt.datetime) -> bool:
    f_end = f.end or now
    a_end = a.ended_at or now
    return f.start <= a_end and a.started_at <= f_end


def reconcile(tag_id: int, kind: str, findings: list[detection.Finding], now: dt.datetime,
              readings: Sequence[Any] = (), report: RunReport | None = None) -> None:
    """Bring the recorded anomalies of (tag, kind) in line with what the detector sees now,
    in one unit of work."""
    report = report if report is not None else RunReport()
    with unit_of_work():
        tag = session.get(Tag, tag_id)
        if tag is None:
            raise NotFound(f"Tag {tag_id} não encontrada.")
        open_ = session.scalars(select(Anomaly).where(
            Anomaly.tag_id == tag_id, Anomaly.kind == kind,
            Anomaly.state == AnomalyState.OPEN)).first()
        ongoing = [f for f in findings if f.ongoing]
        current = ongoing[-1] if ongoing else None
        ended = [f for f in findings if not f.ongoing]

        blind = kind != "comunicacao" and not any(
            getattr(r, "quality", "good") == "good" for r in readings)
        if open_ is not None:
            if current is not None:
                _update(open_, current, now, report)
            elif blind and not ended:
                # only bad-quality readings (or none) in the window: the detector cannot
                # tell whether the problem is over, so the anomaly stays as it is
                pass
            else:
                closing = [f for f in ended if _overlaps(f, open_, now)]
                # without an episode in the window to say when it ended, it ended at the
                # first good reading after it was last seen
                back = [r.ts for r in readings if getattr(r, "quality", "good") == "good"
                        and r.ts >= open_.last_seen_at]
                end = max((f.end for f in closing if f.end), default=min(back, default=now))
                close_anomaly(open_, max(end, open_.started_at), report)
        elif current is not None:
            _open(tag, current, now, readings, report)

        # short episodes that began and ended between two passes are recorded too
        spec = detection.DETECTORS.get(kind)
        if ended and (spec is None or spec.record_past):
            recorded = list(session.scalars(select(Anomaly).where(
                Anomaly.tag_id == tag_id, Anomaly.kind == kind,
                or_(Anomaly.ended_at.is_(None), Anomaly.ended_at >= min(f.start for f in ended)))))
            for f in ended:
                if any(_overlaps(f, a, now) for a in recorded):
                    continue
                recorded.append(_open(tag, f, now, readings, report, ended_at=f.end or now))


def _evidence(f: detection.Finding, readings: Sequence[Any], now: dt.datetime) -> dict[str, Any]:
    lo = f.start - EVIDENCE_BEFORE
    hi = min(f.end or now, f.start + EVIDENCE_BEFORE) if f.end else now
    pts = [r for r in readings if lo <= r.ts <= hi]
    if len(pts) > EVIDENCE_POINTS:
        step = len(pts) / EVIDENCE_POINTS
        pts = [pts[int(i * step)] for i in range(EVIDENCE_POINTS)]
    return {"detector": _jsonable(f.evidence),
            "readings": [[r.ts.isoformat(), _finite(r.value), r.quality] for r in pts]}


def _jsonable(value: Any) -> Any:
    """Plain JSON (no NaN/inf, no numpy scalars, dates as ISO) for the evidence column."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    try:
        return _finite(float(value))
    except (TypeError, ValueError):
        return str(value)


def _detected_event(a: Anomaly, tag: Tag) -> AnomalyDetected:
    asset = tag.asset
    return AnomalyDetected(
        anomaly_id=a.id, tag=tag.name, kind=a.kind, severity=a.severity,
        started_at=a.started_at, asset_kind=str(asset.kind), asset_code=asset.code,
        asset_name=asset.name, value=a.value, message=a.message,
        sector_code=asset.sector_code, latitude=asset.latitude, longitude=asset.longitude,
        process=a.process, quantity=str(tag.quantity),
        quality_signal=str(tag.quantity) in WATER_QUALITY_QUANTITIES)


def _open(tag: Tag, f: detection.Finding, now: dt.datetime, readings: Sequence[Any],
          report: RunReport, ended_at: dt.datetime | None = None) -> Anomaly:
    """Record a new episode; with `ended_at`, one that already ended (inserted closed, so
    it never collides with the open anomaly of the same kind)."""
    # a new episode never starts before the end of the previous one of the same kind
    prev_end = session.scalars(select(Anomaly.ended_at).where(
        Anomaly.tag_id == tag.id, Anomaly.kind == f.kind, Anomaly.ended_at.is_not(None))
        .order_by(Anomaly.ended_at.desc()).limit(1)).first()
    start = max(f.start, prev_end) if prev_end else f.start
    a = Anomaly(tag=tag, kind=f.kind, state=AnomalyState.OPEN, severity=f.severity,
                process=f.process, started_at=start, last_seen_at=now,
                value=_finite(f.value), message=f.message[:500],
                evidence=_evidence(f, readings, now))
    if ended_at is not None:
        a.state, a.ended_at = AnomalyState.CLEARED, max(ended_at, start)
    a.shelved = shelving.active_for(tag.id, now) is not None
    session.add(a)
    session.flush()
    if not a.shelved:
        publish(_detected_event(a, tag))
    if f.kind == "parada_eta":
        publish(EtaStoppageStarted(eta_code=tag.asset.code, started_at=a.started_at,
                                   source_ref=f"anomalia:{a.id}", eta_name=tag.asset.name,
                                   sector_code=tag.asset.sector_code,
                                   latitude=tag.asset.latitude, longitude=tag.asset.longitude))
    report.opened.append(a.id)
    log.warning("anomalia %s aberta: %s %s (%s) %s", a.id, tag.name, f.kind, f.severity,
                f.message)
    if a.ended_at is not None:
        _published_clear(a, a.ended_at, report, "já encerrada ao ser vista")
    return a


def _update(a: Anomaly, f: detection.Finding, now: dt.datetime, report: RunReport) -> None:
    a.last_seen_at = now
    v = _finite(f.value)
    if v is not None and (a.value is None or abs(v) > abs(a.value)):
        a.value = v
        a.message = f.message[:500]  # the message quotes the worst value
    if detection.severity_rank(f.severity) > detection.severity_rank(a.severity):
        a.severity = f.severity
        a.message = f.message[:500]
        session.flush()
        if not a.shelved:
            publish(_detected_event(a, a.tag))
        report.escalated.append(a.id)
    session.flush()


def announce_unshelved(shelved: set[int], report: RunReport) -> None:
    """Open anomalies recorded under a shelf that has ended are announced now."""
    with unit_of_work():
        for a in session.scalars(select(Anomaly).where(Anomaly.shelved.is_(True),
                                                       Anomaly.state == AnomalyState.OPEN)):
            if a.tag_id in shelved:
                continue
            with audit_context(reason="supressão terminou: anomalia anunciada"):
                a.shelved = False
                session.flush()
            publish(_detected_event(a, a.tag))
            report.opened.append(a.id)


def close_anomaly(a: Anomaly, end: dt.datetime, report: RunReport, by: str = "monitor") -> None:
    a.state = AnomalyState.CLEARED
    a.ended_at = end
    session.flush()
    _published_clear(a, end, report, by)


def _published_clear(a: Anomaly, end: dt.datetime, report: RunReport, by: str) -> None:
    publish(AnomalyCleared(anomaly_id=a.id, tag=a.tag.name, kind=a.kind, ended_at=end,
                           asset_code=a.tag.asset.code))
    if a.kind == "parada_eta":
        publish(EtaStoppageEnded(eta_code=a.tag.asset.code, ended_at=end,
                                 source_ref=f"anomalia:{a.id}"))
    report.cleared.append(a.id)
    log.info("anomalia %s encerrada (%s)", a.id, by)


def _finite(v: float | None) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None
