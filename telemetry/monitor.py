"""The detection monitor: runs each tag's configured detectors over its recent window, read
through the time-series store, and records what they find as anomalies.

- One open anomaly per (tag, kind), ever: while a detector keeps seeing an episode the
  monitor updates the open anomaly (last seen, worst value); a higher severity escalates
  it and publishes `AnomalyDetected` again with the same anomaly_id; when the detector no
  longer sees it the anomaly is closed and `AnomalyCleared` published. A partial unique
  index in the database backs this up when two monitors race.
- An ETA stoppage (`parada_eta` on the plant's outlet flow) also publishes
  `EtaStoppageStarted` / `EtaStoppageEnded` for the LIMS.
- Communication loss runs for every active tag (k = 5 expected periods) unless the tag's
  configuration says `"comunicacao": false`; other detectors only when configured.
- Each tag is its own unit of work: a broken configuration or a store hiccup on one tag
  is logged and does not stop the others.

Runs every minute from saae/worker.py BEAT (`run_scheduled`), or in a thread of the
embedded demo (`start_background`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from core.audit import audit_context
from core.db import session, transactional, unit_of_work, utcnow
from core.errors import IllegalTransition, NotFound, ValidationError
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
from telemetry.models.tags import Quantity, Tag
from telemetry.waterquality import live

log = logging.getLogger(__name__)

QUALITY_QUANTITIES = (Quantity.TURBIDEZ, Quantity.CLORO, Quantity.PH, Quantity.CONDUTIVIDADE,
                      Quantity.REDOX)
EVIDENCE_BEFORE = dt.timedelta(minutes=30)
EVIDENCE_POINTS = 120
DEFAULT_INTERVAL_S = 60.0
_run_lock = threading.Lock()


@dataclass
class RunReport:
    """What one pass of the monitor did (for logs, the CLI and tests)."""

    tags: int = 0
    opened: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: bool = False  # another pass was already running in this process


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------


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
    from flask import current_app

    from telemetry.storage import storage_for

    return storage_for(current_app.config["SAAE_SETTINGS"])


def _quality_tags(tag: Tag, params: dict[str, Any]) -> list[str]:
    names = params.get("tags")
    if names:
        return [str(n) for n in names]
    rows = session.scalars(select(Tag.name).where(
        Tag.asset_id == tag.asset_id, Tag.active.is_(True),
        Tag.quantity.in_([str(q) for q in QUALITY_QUANTITIES])).order_by(Tag.name))
    return list(rows)


def model_dir() -> Path:
    """Where the supervised quality models live (versioned files, see waterquality.model)."""
    from flask import current_app

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
                _close(open_, max(end, open_.started_at), report)
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


def _close(a: Anomaly, end: dt.datetime, report: RunReport, by: str = "monitor") -> None:
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


# ---------------------------------------------------------------------------------------------
# use cases of the pages: acknowledge, close by hand; queries
# ---------------------------------------------------------------------------------------------


def get_anomaly(anomaly_id: int) -> Anomaly:
    a = session.get(Anomaly, anomaly_id)
    if a is None:
        raise NotFound(f"Anomalia {anomaly_id} não encontrada.")
    return a


@transactional
def acknowledge(anomaly_id: int, username: str, note: str = "") -> Anomaly:
    """An operator saw the anomaly (and may say what is being done)."""
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError("Observação com até 1000 caracteres.",
                              fields={"note": ["Até 1000 caracteres."]})
    a = get_anomaly(anomaly_id)
    if a.acknowledged_at is not None:
        raise IllegalTransition("Esta anomalia já foi reconhecida.")
    with audit_context(reason="anomalia reconhecida pelo operador"):
        a.acknowledged_at = utcnow()
        a.acknowledged_by = username
        if note:
            a.note = note
        session.flush()
    return a


LABELS = ("confirmado", "falso")


@transactional
def label(anomaly_id: int, verdict: str, username: str) -> Anomaly:
    """The operator's verdict on a quality anomaly: a confirmed event or a false alarm. The
    labelled anomalies are the supervised detector's training set; a verdict can be changed
    (the audit history keeps the old one)."""
    if verdict not in LABELS:
        raise ValidationError("Avaliação inválida: use confirmado ou falso.",
                              fields={"label": ["confirmado ou falso"]})
    a = get_anomaly(anomaly_id)
    with audit_context(reason=f"avaliação do operador: {verdict}"):
        a.label = verdict
        a.labelled_by = username
        a.labelled_at = utcnow()
        session.flush()
    return a


def labelled(kind: str = "qualidade") -> list[Anomaly]:
    """Anomalies with an operator's verdict, oldest first."""
    return list(session.scalars(select(Anomaly).where(Anomaly.kind == kind,
                                                      Anomaly.label.is_not(None))
                                .order_by(Anomaly.started_at)))


@transactional
def close(anomaly_id: int, username: str, note: str) -> Anomaly:
    """Close an open anomaly by hand (e.g. a known maintenance). A note is required. If the
    detector still sees the episode, the next pass opens a new anomaly."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("Informe o motivo do encerramento.",
                              fields={"note": ["Obrigatório."]})
    if len(note) > 1000:
        raise ValidationError("Motivo com até 1000 caracteres.",
                              fields={"note": ["Até 1000 caracteres."]})
    a = get_anomaly(anomaly_id)
    if not a.is_open:
        raise IllegalTransition("Esta anomalia já esta encerrada.")
    with audit_context(reason=f"encerrada manualmente: {note}"):
        a.note = note
        if a.acknowledged_at is None:
            a.acknowledged_at, a.acknowledged_by = utcnow(), username
        _close(a, utcnow(), RunReport(), by=username)
    return a


def list_anomalies(*, state: str | None = None, tag: str | None = None,
                   kind: str | None = None, process: bool | None = None,
                   since: dt.datetime | None = None, limit: int = 200) -> list[Anomaly]:
    stmt = select(Anomaly).join(Anomaly.tag).order_by(Anomaly.started_at.desc()).limit(limit)
    if state:
        stmt = stmt.where(Anomaly.state == state)
    if tag:
        stmt = stmt.where(Tag.name == tag)
    if kind:
        stmt = stmt.where(Anomaly.kind == kind)
    if process is not None:
        stmt = stmt.where(Anomaly.process.is_(process))
    if since:
        stmt = stmt.where(or_(Anomaly.ended_at.is_(None), Anomaly.ended_at >= since))
    return list(session.scalars(stmt).unique())


def anomalies_in(tag_name: str, start: dt.datetime, end: dt.datetime,
                 related: bool = False) -> list[Anomaly]:
    """Anomalies of a tag that overlap [start, end], oldest first (for the chart).

    With `related`, also the water-quality events recorded on another tag of the same
    asset (the multivariate detector files its event on the tag that carries its
    configuration) in which this tag was one of the variables that moved."""
    overlap = (Anomaly.started_at <= end,
               or_(Anomaly.ended_at.is_(None), Anomaly.ended_at >= start))
    stmt = (select(Anomaly).join(Anomaly.tag).where(Tag.name == tag_name, *overlap)
            .order_by(Anomaly.started_at))
    out = list(session.scalars(stmt).unique())
    if related:
        tag = session.scalars(select(Tag).where(Tag.name == tag_name)).first()
        if tag is not None:
            others = session.scalars(select(Anomaly).join(Anomaly.tag).where(
                Tag.asset_id == tag.asset_id, Tag.name != tag_name,
                Anomaly.kind == "qualidade", *overlap)).unique()
            out += [a for a in others if tag_name in _drivers(a)]
            out.sort(key=lambda a: a.started_at)
    return out


def _drivers(a: Anomaly) -> set[str]:
    """Tags that moved in a water-quality event (|z| past half the threshold)."""
    det = (a.evidence or {}).get("detector") or {}
    half = float(det.get("threshold") or 0) / 2
    return {d.get("tag") for d in det.get("drivers") or []
            if isinstance(d, dict) and (d.get("max_abs_z") or 0) > half}


def open_count() -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(Anomaly).where(
        Anomaly.state == AnomalyState.OPEN)) or 0)


# ---------------------------------------------------------------------------------------------
# background thread (embedded demo)
# ---------------------------------------------------------------------------------------------


class MonitorThread:
    """Runs `run_once` every `interval_s` in a daemon thread, inside the app context."""

    def __init__(self, app: Any, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.app = app
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="saae-telemetry-monitor",
                                        daemon=True)
        self.passes = 0
        self.last_report: RunReport | None = None

    def start(self) -> MonitorThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    self.last_report = run_once()
                    self.passes += 1
                except Exception:  # keep the thread alive; the next pass may work
                    log.exception("monitor de telemetria falhou")
                    session.rollback()
                finally:
                    session.remove()
            self._stop.wait(self.interval_s)


@transactional
def apply_suggested_detectors(only_empty: bool = True) -> list[str]:
    """Give tags without any detector configuration the suggested one for what they
    measure (detection.suggested_config); audited. Returns the tag names changed."""
    changed = []
    with audit_context(reason="configuração sugerida dos detectores"):
        for tag in session.scalars(select(Tag).where(Tag.active.is_(True))).unique():
            if only_empty and tag.detectors:
                continue
            tag.detectors = detection.suggested_config(
                str(tag.quantity), str(tag.asset.kind), tag_name=tag.name,
                plausible_min=tag.plausible_min, plausible_max=tag.plausible_max)
            changed.append(tag.name)
        session.flush()
    return changed


def start_background(app: Any, interval_s: float = DEFAULT_INTERVAL_S,
                     suggest: bool = True) -> MonitorThread:
    """Start the monitor thread once per app (the embedded demo calls this). With
    `suggest`, tags that were never configured get the suggested detectors first, so the
    demo's injected events (burst, turbidity, stoppage...) show up as anomalies."""
    existing = app.extensions.get("telemetry_monitor")
    if existing is not None and existing.alive:
        return existing
    if suggest:
        with app.app_context():
            try:
                names = apply_suggested_detectors()
                if names:
                    log.info("detectores sugeridos aplicados a %d tags", len(names))
            finally:
                session.remove()
    t = MonitorThread(app, interval_s).start()
    app.extensions["telemetry_monitor"] = t
    return t
