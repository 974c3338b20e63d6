"""Shelving (ISA-18.2 5.x "shelved alarms"): silence a known-bad sensor for a set time.

While a tag is shelved the monitor still records its anomalies (marked `shelved`) but
publishes no AnomalyDetected, so no incident opens and nobody is paged; a shelved tag is
also left out of the multi-signal quality score, so one broken probe cannot raise the
plant's alarm. When the shelf expires (or is lifted), an anomaly still open is announced
then. Every shelving and lifting is audited (who, when, reason)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import IllegalTransition, NotFound, ValidationError
from telemetry.models.shelving import Shelf
from telemetry.models.tags import Tag

MAX_HOURS = 7 * 24  # a shelf longer than a week is a decommissioned sensor, not a shelf


@transactional
def shelve(tag_name: str, *, hours: float, reason: str, username: str,
           now: dt.datetime | None = None) -> Shelf:
    """Shelve `tag_name` for `hours` (up to a week) with a reason (required)."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Informe o motivo da supressão.", fields={"reason": ["Obrigatório."]})
    if len(reason) > 500:
        raise ValidationError("Motivo com até 500 caracteres.", fields={"reason": ["Até 500."]})
    try:
        h = float(hours)
    except (TypeError, ValueError):
        h = 0.0
    if not 0 < h <= MAX_HOURS:
        raise ValidationError(f"A supressão dura de alguns minutos a {MAX_HOURS} horas.",
                              fields={"hours": [f"Entre 0 e {MAX_HOURS} horas."]})
    tag = session.scalars(select(Tag).where(Tag.name == tag_name)).first()
    if tag is None:
        raise NotFound(f"Tag {tag_name} não encontrada.")
    if active_for(tag.id, now) is not None:
        raise IllegalTransition("Esta tag já está suprimida: libere antes de suprimir de novo.")
    with audit_context(reason=f"supressão (shelving): {reason}"):
        shelf = Shelf(tag_id=tag.id, reason=reason, starts_at=now,
                      until=now + dt.timedelta(hours=h), created_by=username)
        session.add(shelf)
        session.flush()
    return shelf


@transactional
def lift(shelf_id: int, *, username: str, now: dt.datetime | None = None) -> Shelf:
    """End a shelf before its time."""
    now = now or utcnow()
    shelf = session.get(Shelf, shelf_id)
    if shelf is None:
        raise NotFound(f"Supressão {shelf_id} não encontrada.")
    if not shelf.active_at(now):
        raise IllegalTransition("Esta supressão já terminou.")
    with audit_context(reason="supressão liberada pelo operador"):
        shelf.lifted_at = now
        shelf.lifted_by = username
        session.flush()
    return shelf


def active_for(tag_id: int, now: dt.datetime) -> Shelf | None:
    return session.scalars(select(Shelf).where(
        Shelf.tag_id == tag_id, Shelf.lifted_at.is_(None), Shelf.starts_at <= now,
        Shelf.until > now)).first()


def shelved_tag_ids(now: dt.datetime) -> set[int]:
    return set(session.scalars(select(Shelf.tag_id).where(
        Shelf.lifted_at.is_(None), Shelf.starts_at <= now, Shelf.until > now)))


def shelves(*, active_only: bool = False, now: dt.datetime | None = None,
            limit: int = 100) -> list[Shelf]:
    now = now or utcnow()
    stmt = select(Shelf).order_by(Shelf.starts_at.desc()).limit(limit)
    if active_only:
        stmt = stmt.where(Shelf.lifted_at.is_(None), Shelf.until > now)
    return list(session.scalars(stmt))
