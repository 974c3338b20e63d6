"""Telemetry use cases: assets and tags (audited, edited by a Gestor), connector state."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import select

from core import fmt
from core.db import session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from telemetry.models.tags import Asset, AssetKind, ConnectorState, Quantity, Tag

_TAG_NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/:")


def _float_or_none(value: Any, field: str, errors: dict[str, list[str]]) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(str(value).replace(",", "."))
    except ValueError:
        errors.setdefault(field, []).append("Informe um número.")
        return None
    if not math.isfinite(f):
        errors.setdefault(field, []).append("Informe um número finito.")
        return None
    return f


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError("Corrija os campos indicados.", fields=errors)


def get_asset(code: str) -> Asset:
    asset = session.scalars(select(Asset).where(Asset.code == code)).first()
    if asset is None:
        raise NotFound(f"Ativo {code} não encontrado.")
    return asset


def get_tag(name: str) -> Tag:
    tag = session.scalars(select(Tag).where(Tag.name == name)).first()
    if tag is None:
        raise NotFound(f"Tag {name} não encontrada.")
    return tag


@transactional
def save_asset(code: str, *, name: str, kind: str, sector_code: str | None = None,
               system_code: str | None = None, latitude: Any = None,
               longitude: Any = None, active: bool = True) -> Asset:
    """Create or update an asset by code."""
    errors: dict[str, list[str]] = {}
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        errors["code"] = ["Informe o código do ativo (até 40 caracteres)."]
    if not (name or "").strip():
        errors["name"] = ["Informe o nome do ativo."]
    if kind not in {k.value for k in AssetKind}:
        errors["kind"] = ["Tipo de ativo inválido."]
    lat = _float_or_none(latitude, "latitude", errors)
    lon = _float_or_none(longitude, "longitude", errors)
    if lat is not None and not -90 <= lat <= 90:
        errors.setdefault("latitude", []).append("Latitude entre -90 e 90.")
    if lon is not None and not -180 <= lon <= 180:
        errors.setdefault("longitude", []).append("Longitude entre -180 e 180.")
    _raise(errors)
    asset = session.scalars(select(Asset).where(Asset.code == code)).first()
    if asset is None:
        asset = Asset(code=code)
        session.add(asset)
    asset.name = name.strip()
    asset.kind = AssetKind(kind)
    asset.sector_code = (sector_code or "").strip() or None
    asset.system_code = (system_code or "").strip() or None
    asset.latitude, asset.longitude = lat, lon
    asset.active = active
    session.flush()
    return asset


def _period(value: Any, errors: dict[str, list[str]]) -> int:
    """The expected period between readings, in seconds (60 with an error when invalid)."""
    period = fmt.whole_in(value, 1, 86_400)
    if period is None:
        errors["expected_period_seconds"] = ["Período esperado entre 1 e 86400 segundos."]
        return 60
    return period


@transactional
def save_tag(name: str, *, asset_code: str, unit: str = "", description: str = "",
             quantity: str = "outro", expected_period_seconds: Any = 60,
             plausible_min: Any = None, plausible_max: Any = None,
             detectors: dict[str, Any] | None = None, active: bool = True,
             create: bool | None = None) -> Tag:
    """Create (create=True), update (create=False) or upsert (None) a tag by name."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 80 or not set(name) <= _TAG_NAME_CHARS:
        errors["name"] = ["Nome da tag: letras, números e . _ - / : (até 80 caracteres)."]
    asset = session.scalars(select(Asset).where(Asset.code == (asset_code or "").strip())).first()
    if asset is None:
        errors["asset_code"] = ["Ativo inexistente."]
    if quantity not in {q.value for q in Quantity}:
        errors["quantity"] = ["Grandeza inválida."]
    period = _period(expected_period_seconds, errors)
    lo = _float_or_none(plausible_min, "plausible_min", errors)
    hi = _float_or_none(plausible_max, "plausible_max", errors)
    if lo is not None and hi is not None and lo >= hi:
        errors.setdefault("plausible_max", []).append("O máximo deve ser maior que o mínimo.")
    if detectors is not None and not isinstance(detectors, dict):
        errors["detectors"] = ["Configuração dos detectores deve ser um objeto JSON."]
    if len(unit or "") > 20:
        errors["unit"] = ["Unidade com até 20 caracteres."]
    _raise(errors)
    tag = session.scalars(select(Tag).where(Tag.name == name)).first()
    if tag is None:
        if create is False:
            raise NotFound(f"Tag {name} não encontrada.")
        tag = Tag(name=name)
        session.add(tag)
    elif create is True:
        raise Conflict(f"Já existe a tag {name}.", fields={"name": ["Nome já usado."]})
    tag.asset = asset  # type: ignore[assignment]
    tag.unit = (unit or "").strip()
    tag.description = (description or "").strip()
    tag.quantity = Quantity(quantity)
    tag.expected_period_seconds = period
    tag.plausible_min, tag.plausible_max = lo, hi
    if detectors is not None:
        tag.detectors = detectors
    tag.active = active
    session.flush()
    return tag


def list_tags(active_only: bool = False) -> list[Tag]:
    stmt = select(Tag).order_by(Tag.name)
    if active_only:
        stmt = stmt.where(Tag.active.is_(True))
    return list(session.scalars(stmt))


def list_assets() -> list[Asset]:
    return list(session.scalars(select(Asset).order_by(Asset.kind, Asset.code)))


def tag_ranges() -> dict[str, tuple[float | None, float | None]]:
    """{tag: (plausible_min, plausible_max)} of active tags, for the ingester's converters."""
    rows = session.execute(select(Tag.name, Tag.plausible_min, Tag.plausible_max)
                           .where(Tag.active.is_(True)))
    return {n: (lo, hi) for n, lo, hi in rows}


@transactional
def record_connector_states(states: list[dict[str, Any]]) -> None:
    """Upsert the ingester's view of its connectors (called every few seconds)."""
    existing = {c.name: c for c in session.scalars(select(ConnectorState))}
    now = utcnow()
    for s in states:
        row = existing.get(s["name"])
        if row is None:
            row = ConnectorState(name=s["name"], kind=s["kind"], state=s["state"], since=now,
                                 readings_total=0, rejected_total=0, stats={})
            session.add(row)
        if row.state != s["state"]:
            row.since = now
        row.kind = s["kind"]
        row.state = s["state"]
        row.last_reading_at = s.get("last_reading_at")
        row.readings_total = int(s.get("readings_total", 0))
        row.rejected_total = int(s.get("rejected_total", 0))
        row.last_error = (s.get("last_error") or None) and str(s["last_error"])[:500]
        row.stats = s.get("stats") or {}
        row.updated_at = now


def connector_states() -> list[ConnectorState]:
    return list(session.scalars(select(ConnectorState).order_by(ConnectorState.kind,
                                                               ConnectorState.name)))


def ingester_alive(states: list[ConnectorState], now: dt.datetime | None = None,
                   max_age: dt.timedelta = dt.timedelta(seconds=30)) -> bool:
    now = now or utcnow()
    return any(s.kind == "ingester" and s.state in ("conectado", "degradado")
               and now - s.updated_at < max_age for s in states)
