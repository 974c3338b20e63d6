"""The use cases of the anomaly pages: acknowledge, label, close by hand; queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select

from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import IllegalTransition, NotFound, ValidationError
from telemetry.models.anomalies import Anomaly, AnomalyState
from telemetry.models.tags import Tag
from telemetry.monitor.record import RunReport, close_anomaly


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
        close_anomaly(a, utcnow(), RunReport(), by=username)
    return a


_FILTERS: dict[str, Callable[[Any], Any]] = {
    "state": lambda v: Anomaly.state == v,
    "tag": lambda v: Tag.name == v,
    "kind": lambda v: Anomaly.kind == v,
    "process": lambda v: Anomaly.process.is_(v),
    "since": lambda v: or_(Anomaly.ended_at.is_(None), Anomaly.ended_at >= v),
}


def list_anomalies(*, state: str | None = None, tag: str | None = None,
                   kind: str | None = None, process: bool | None = None,
                   since: dt.datetime | None = None, limit: int = 200) -> list[Anomaly]:
    given = {"state": state, "tag": tag, "kind": kind, "process": process, "since": since}
    stmt = (select(Anomaly).join(Anomaly.tag)
            .where(*[_FILTERS[k](v) for k, v in given.items() if v is not None and v != ""])
            .order_by(Anomaly.started_at.desc()).limit(limit))
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
    return int(session.scalar(select(func.count()).select_from(Anomaly).where(
        Anomaly.state == AnomalyState.OPEN)) or 0)
