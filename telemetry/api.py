"""Telemetry's public interface: the only telemetry module other areas import."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.audit import audit_context
from core.db import TableMemo, session, transactional, utcnow
from core.errors import NotFound
from telemetry.models.tags import Asset, Tag
from telemetry.storage import StoreUnavailable, storage_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Point:
    ts: dt.datetime
    value: float
    quality: str = "good"  # good | bad | uncertain


@dataclass(frozen=True)
class TagInfo:
    name: str
    description: str
    unit: str
    asset_kind: str
    asset_code: str
    asset_name: str
    sector_code: str | None
    plausible_min: float | None
    plausible_max: float | None
    quantity: str = "outro"  # pressao | vazao | nivel | turbidez | cloro | ph | ...
    expected_period_seconds: int = 60
    suspect: bool = False  # the lab keeps disagreeing with it (calibration pending)
    suspect_reason: str = ""


@dataclass(frozen=True)
class AssetInfo:
    code: str
    name: str
    kind: str  # captacao | eta | poco | elevatoria | reservatorio | setor | ponto
    sector_code: str | None
    system_code: str | None
    latitude: float | None
    longitude: float | None
    tags: tuple[str, ...] = ()


def _settings():  # type: ignore[no-untyped-def]
    return current_app.config["SAAE_SETTINGS"]


def _tag_info(tag) -> TagInfo:  # type: ignore[no-untyped-def]
    return TagInfo(
        name=tag.name, description=tag.description, unit=tag.unit,
        asset_kind=str(tag.asset.kind), asset_code=tag.asset.code, asset_name=tag.asset.name,
        sector_code=tag.asset.sector_code, plausible_min=tag.plausible_min,
        plausible_max=tag.plausible_max, quantity=str(tag.quantity),
        expected_period_seconds=tag.expected_period_seconds, suspect=bool(tag.suspect),
        suspect_reason=tag.suspect_reason or "",
    )


def tag_info(name: str) -> TagInfo | None:
    tag = session.scalars(select(Tag).where(Tag.name == name)).first()
    return _tag_info(tag) if tag else None


def tags(asset_code: str | None = None, sector_code: str | None = None,
         quantities: tuple[str, ...] = ()) -> list[TagInfo]:
    """Active tags, optionally of one asset or of every asset in one sector / DMA, or of
    some quantities (cloro, turbidez...)."""
    stmt = select(Tag).join(Tag.asset).where(Tag.active.is_(True)).order_by(Tag.name)
    if quantities:
        stmt = stmt.where(Tag.quantity.in_(list(quantities)))
    if asset_code:
        stmt = stmt.where(Asset.code == asset_code)
    if sector_code:
        stmt = stmt.where(Asset.sector_code == sector_code)
    return [_tag_info(t) for t in session.scalars(stmt).unique()]


def asset_info(code: str) -> AssetInfo | None:
    """An asset (ETA, well, reservoir, DMA...) with its location and tag names."""
    a = session.scalars(select(Asset).where(Asset.code == code)).first()
    if a is None:
        return None
    return AssetInfo(a.code, a.name, str(a.kind), a.sector_code, a.system_code, a.latitude,
                     a.longitude, tuple(t.name for t in a.tags if t.active))


def assets(kind: str | None = None, sector_code: str | None = None) -> list[AssetInfo]:
    # the tags in one more query, not one per asset (the incidents console maps them all)
    stmt = (select(Asset).where(Asset.active.is_(True)).order_by(Asset.code)
            .options(selectinload(Asset.tags)))
    if kind:
        stmt = stmt.where(Asset.kind == kind)
    if sector_code:
        stmt = stmt.where(Asset.sector_code == sector_code)
    return [AssetInfo(a.code, a.name, str(a.kind), a.sector_code, a.system_code, a.latitude,
                      a.longitude, tuple(t.name for t in a.tags if t.active))
            for a in session.scalars(stmt)]


@dataclass(frozen=True)
class AssetPlace:
    """An active asset that has coordinates: what a map draws of it."""

    code: str
    name: str
    kind: str
    latitude: float
    longitude: float


_PLACES: TableMemo[tuple[AssetPlace, ...]] = TableMemo(Asset)


def forget_asset_places() -> None:
    _PLACES.forget()


def asset_places() -> tuple[AssetPlace, ...]:
    """The active assets that have coordinates, by code (the incidents console maps them on
    every view): kept per process while the asset table is unchanged, one aggregate query a
    call instead of the assets and their tags."""
    return _PLACES.get(_read_places)


def _read_places() -> tuple[AssetPlace, ...]:
    rows = session.execute(
        select(Asset.code, Asset.name, Asset.kind, Asset.latitude, Asset.longitude)
        .where(Asset.active.is_(True), Asset.latitude.is_not(None), Asset.longitude.is_not(None))
        .order_by(Asset.code))
    return tuple(AssetPlace(code, name, str(kind), lat, lon) for code, name, kind, lat, lon in rows)


def tag_window(name: str, start: dt.datetime, end: dt.datetime) -> list[Point]:
    """Readings of one tag in [start, end), oldest first (for incident charts).

    An unreachable time-series store gives an empty list (logged): a chart must not break
    the page that shows it."""
    try:
        rows = storage_for(_settings()).read_window(name, start, end)
    except StoreUnavailable as exc:
        log.warning("tag_window(%s): %s", name, exc)
        return []
    return [Point(r.ts, r.value, r.quality) for r in rows]


def last_value(name: str) -> Point | None:
    """The newest reading of a tag, or None if it never reported (or the store is down)."""
    try:
        r = storage_for(_settings()).last(name)
    except StoreUnavailable as exc:
        log.warning("last_value(%s): %s", name, exc)
        return None
    return Point(r.ts, r.value, r.quality) if r else None


def value_at(name: str, at: dt.datetime, *, within: dt.timedelta = dt.timedelta(minutes=15),
             ) -> Point | None:
    """The good reading of a tag nearest to `at`, no further than `within` (None if there is
    none, or the store is down): what the analyser showed when the sample was taken."""
    rows = [p for p in tag_window(name, at - within, at + within) if p.quality == "good"]
    return min(rows, key=lambda p: abs((p.ts - at).total_seconds())) if rows else None


@transactional
def mark_suspect(name: str, reason: str) -> bool:
    """Mark a tag suspect for detection (audited); True when it was not suspect before."""
    tag = session.scalars(select(Tag).where(Tag.name == name)).first()
    if tag is None:
        raise NotFound(f"Tag {name} não encontrada.")
    if tag.suspect:
        return False
    with audit_context(reason=f"tag suspeita: {reason}"):
        tag.suspect, tag.suspect_reason, tag.suspect_since = True, reason[:500], utcnow()
        session.flush()
    return True


@transactional
def clear_suspect(name: str, reason: str) -> bool:
    """The analyser was calibrated: detection trusts it again (audited)."""
    tag = session.scalars(select(Tag).where(Tag.name == name)).first()
    if tag is None or not tag.suspect:
        return False
    with audit_context(reason=f"tag confiável de novo: {reason}"):
        tag.suspect, tag.suspect_reason, tag.suspect_since = False, "", None
        session.flush()
    return True
