"""LIMS services: collection routes and the collectors' field entries.

- `build_route`: a collector's day, from the samples scheduled that day and not yet on a route,
  grouped by area (the point's neighbourhood) and ordered by nearest neighbour
  (lims.domain.routing); releases them PROGRAMADA -> AGUARDANDO COLETA and writes the
  preparation form rows (tender 7.12: responsible, date, point, parameter, method, bottle,
  preservative, volume, quantity).
- `record_entry`: one entry from the collector's phone (collected with time, readings, GPS and
  photo, or not collected with a reason), idempotent on the phone's key: a replay returns the
  first answer and changes nothing (unique key in lims_route_entry).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.auth import User
from core.db import get_or_404, session, transactional
from core.errors import (
    Conflict,
    ValidationError,
)
from lims.domain import routing
from lims.domain.samples import SampleState
from lims.models.catalogue import BottleType, Parameter, Preservative
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.routes import PreparationRow, Route, RouteState, RouteStop
from lims.models.samples import Sample
from lims.services import samples as sample_svc

log = logging.getLogger(__name__)

NO_AREA = "Sem bairro"
ROUTABLE = (SampleState.SCHEDULED, SampleState.AWAITING_COLLECTION)


def area_of(point: CollectionPoint) -> str:
    return (point.neighbourhood or "").strip() or NO_AREA


# -- building ---------------------------------------------------------------------------------

def candidates(day: dt.date, *, system_id: int | None = None) -> list[Sample]:
    """Samples of `day` that a route may take: programmed or awaiting collection, on no route."""
    stmt = (select(Sample).where(Sample.scheduled_for == day, Sample.state.in_(ROUTABLE),
                                 Sample.route_id.is_(None))
            .options(selectinload(Sample.parameters)).order_by(Sample.code))
    if system_id is not None:
        stmt = stmt.where(Sample.system_id == system_id)
    return list(session.scalars(stmt))


def areas_for(day: dt.date, *, system_id: int | None = None) -> list[tuple[str, int]]:
    """(area, number of samples) still without a route on `day`."""
    counts: dict[str, int] = {}
    rows = candidates(day, system_id=system_id)
    points = points_by_id(s.point_id for s in rows)
    for s in rows:
        a = area_of(points[s.point_id])
        counts[a] = counts.get(a, 0) + 1
    return sorted(counts.items())


def points_by_id(ids: Iterable[int]) -> dict[int, CollectionPoint]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(CollectionPoint).where(CollectionPoint.id.in_(ids)))}


def _next_route_code(day: dt.date) -> str:
    stem = f"R{day:%Y%m%d}-"
    n = session.scalar(select(func.count()).select_from(Route).where(Route.code.like(f"{stem}%")))
    return f"{stem}{(n or 0) + 1:02d}"


def _user(user_id: int | None, what: str) -> User | None:
    if user_id is None:
        return None
    u = session.get(User, user_id)
    if u is None or not u.active:
        raise ValidationError(f"{what} inexistente ou inativo.", fields={what.lower(): ["invalido"]})
    return u


@transactional
def build_route(day: dt.date, collector_id: int, *, user_id: int | None,
                system_id: int | None = None, areas: Iterable[str] | None = None,
                sample_ids: Iterable[int] | None = None,
                analysis_responsible_id: int | None = None,
                start: tuple[float, float] | None = None, notes: str | None = None) -> Route:
    """One route for `collector_id` on `day` with the day's samples still without a route
    (optionally only those `areas` or `sample_ids`), visiting order by area then distance."""
    collector = _user(collector_id, "Coletor")
    analyst = _user(analysis_responsible_id, "Responsável")
    rows = candidates(day, system_id=system_id)
    if sample_ids is not None:
        wanted = set(sample_ids)
        rows = [s for s in rows if s.id in wanted]
    points = points_by_id(s.point_id for s in rows)
    if areas is not None:
        chosen = {a.strip() for a in areas}
        rows = [s for s in rows if area_of(points[s.point_id]) in chosen]
    if not rows:
        raise ValidationError(f"Nenhuma amostra programada para {day:%d/%m/%Y} sem rota"
                              + (" nas áreas escolhidas." if areas else "."), code="rota_vazia")
    return create_route(day, collector, analyst, rows, points, user_id=user_id, system_id=system_id,
                   start=start, notes=notes)


def create_route(day: dt.date, collector: User | None, analyst: User | None, rows: list[Sample],
            points: dict[int, CollectionPoint], *, user_id: int | None, system_id: int | None,
            start: tuple[float, float] | None, notes: str | None) -> Route:
    if start is None and system_id is not None:
        sy = session.get(SupplySystem, system_id)
        if sy and sy.latitude is not None and sy.longitude is not None:
            start = (sy.latitude, sy.longitude)
    legs = routing.order_route([
        routing.Stop(s.id, area_of(points[s.point_id]), points[s.point_id].latitude,
                     points[s.point_id].longitude, f"{points[s.point_id].code} {s.code}")
        for s in rows], start)
    by_id = {s.id: s for s in rows}
    area_order = list(dict.fromkeys(leg.area for leg in legs))
    systems = {s.system_id for s in rows}
    route = Route(code=_next_route_code(day), day=day, collector_id=collector.id,  # type: ignore[union-attr]
                  analysis_responsible_id=analyst.id if analyst else None,
                  system_id=system_id or (systems.pop() if len(systems) == 1 else None),
                  area=", ".join(area_order)[:300], state=RouteState.PLANNED,
                  distance_km=routing.total_km(legs), notes=notes, created_by_id=user_id)
    with sample_svc.acting(user_id, f"rota de coleta {route.code}"):
        session.add(route)
        session.flush()
        route.stops = [RouteStop(position=i, sample_id=leg.key, point_id=by_id[leg.key].point_id,
                                 area=leg.area, leg_km=leg.km) for i, leg in enumerate(legs, 1)]
        programmed = [s.id for s in rows if s.state == SampleState.SCHEDULED]
        if programmed:
            sample_svc.release_day(day, sample_ids=programmed, user_id=user_id)
        for s in rows:
            s.route_id = route.id
        route.preparation = _preparation_rows(route, [by_id[leg.key] for leg in legs], points,
                                              collector, analyst)  # type: ignore[arg-type]
        session.flush()
    log.info("route %s: %d stops, %.1f km", route.code, len(route.stops), route.distance_km)
    return route


def _preparation_rows(route: Route, ordered: list[Sample], points: dict[int, CollectionPoint],
                      collector: User, analyst: User | None) -> list[PreparationRow]:
    bottles = {b.id: b for b in session.scalars(select(BottleType))}
    preservs = {p.id: p for p in session.scalars(select(Preservative))}
    out: list[PreparationRow] = []
    for s in ordered:
        groups: dict[tuple[Any, Any], list[Parameter]] = {}
        for sp in s.parameters:
            p = sp.parameter
            key = ("campo", None) if p.field_reading else (p.bottle_type_id, p.preservative_id)
            groups.setdefault(key, []).append(p)
        for (bottle_id, pres_id), params in sorted(groups.items(), key=lambda kv: str(kv[0])):
            field = bottle_id == "campo"
            bottle = None if field else bottles.get(bottle_id)
            volume = max([p.volume_ml or 0 for p in params] + [bottle.volume_ml or 0 if bottle else 0])
            out.append(PreparationRow(
                position=len(out) + 1, sample_id=s.id, point_id=s.point_id,
                scheduled_for=s.scheduled_for, collection_responsible=collector.name,
                analysis_responsible=analyst.name if analyst else "",
                parameters=", ".join(p.name for p in params),
                methods="; ".join(dict.fromkeys(p.method for p in params if p.method)),
                bottle_type="Leitura em campo" if field else (bottle.name if bottle else "Frasco padrão"),
                preservative="" if field or pres_id is None else preservs[pres_id].name,
                volume_ml=None if field or not volume else volume, bottles=0 if field else 1))
    return out


# -- reading ----------------------------------------------------------------------------------

def get_route(route_id: int) -> Route:
    return get_or_404(Route, route_id, "Rota não encontrada.")


def list_routes(*, day: dt.date | None = None, collector_id: int | None = None,
                since: dt.date | None = None, limit: int = 100) -> list[Route]:
    stmt = select(Route).order_by(Route.day.desc(), Route.code).limit(limit)
    if day is not None:
        stmt = stmt.where(Route.day == day)
    if since is not None:
        stmt = stmt.where(Route.day >= since)
    if collector_id is not None:
        stmt = stmt.where(Route.collector_id == collector_id)
    return list(session.scalars(stmt))


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


@transactional
def cancel_route(route_id: int, *, reason: str, user_id: int | None) -> Route:
    """Cancel a route not yet in the field: its samples go back to PROGRAMADA, off the route."""
    r = get_route(route_id)
    if r.state != RouteState.PLANNED:
        raise Conflict("Só uma rota ainda não iniciada em campo pode ser cancelada.")
    if len((reason or "").strip()) < 5:
        raise ValidationError("Informe o motivo do cancelamento da rota.", fields={"motivo": ["curto"]})
    with sample_svc.acting(user_id, f"rota {r.code} cancelada: {reason.strip()}"):
        r.state = RouteState.CANCELLED
        for stop in r.stops:
            s = stop.sample
            if s.state == SampleState.AWAITING_COLLECTION and not s.is_recoleta:
                sample_svc.transition(s.id, SampleState.SCHEDULED, user_id=user_id,
                                      reason=f"rota {r.code} cancelada: {reason.strip()}",
                                      route_id=None)
            else:
                s.route_id = None
        session.flush()
    return r


# -- labels -----------------------------------------------------------------------------------


# -- field entries (the collector's phone) ----------------------------------------------------

