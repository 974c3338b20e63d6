"""Who lives where, for commercial.api: the contacts of the active connections in an area
(sector, segment, neighbourhood, polygon, system), and where a matricula, street or
neighbourhood is served from."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from sqlalchemy import false, func, or_, select

from commercial.api_types import Area, Contact, ServiceLocation
from commercial.domain.documents import (
    format_matricula,
    matricula_is_valid,
)
from commercial.domain.geometry import point_in_polygon
from commercial.domain.text import digits, search_key
from commercial.models import (
    Connection,
    Consumer,
    Situation,
)
from commercial.services.lookups import contains
from commercial.services.registry import by_matricula
from core.db import session
from core.errors import NotFound

# -- who lives where (commercial.api) ---------------------------------------------------------

_CONTACT_COLS = (
    Connection.consumer_id, Connection.id, Connection.matricula, Consumer.name, Consumer.mobile,
    Consumer.phones, Consumer.email, Consumer.channels, Consumer.consent, Connection.street,
    Connection.house_number, Connection.complement, Connection.neighbourhood,
    Connection.sector_code, Connection.system_id, Connection.latitude, Connection.longitude,
    Connection.segment_code,
)


def _area_conditions(area: Area) -> list[Any]:
    conds: list[Any] = []
    if area.sector_codes:
        conds.append(Connection.sector_code.in_(area.sector_codes))
    if area.segment_codes:
        conds.append(Connection.segment_code.in_(area.segment_codes))
    if area.neighbourhoods:
        # the names as stored, matched without case/accents here, so the indexed column is
        # compared as is (lower(neighbourhood) in SQL would scan the whole table)
        wanted = {search_key(n) for n in area.neighbourhoods}
        names = [n for n in neighbourhood_names() if search_key(n) in wanted]
        conds.append(Connection.neighbourhood.in_(names) if names else false())
    if area.system_id is not None:
        conds.append(Connection.system_id == area.system_id)
    if len(area.polygon) >= 3:
        lats = [p[0] for p in area.polygon]
        lons = [p[1] for p in area.polygon]
        conds.append(Connection.latitude.between(min(lats), max(lats))
                     & Connection.longitude.between(min(lons), max(lons)))
    return conds


def _matches_without_polygon(area: Area, row: Any) -> bool:
    return bool(
        (area.sector_codes and row.sector_code in area.sector_codes)
        or (area.segment_codes and row.segment_code in area.segment_codes)
        or (area.neighbourhoods and search_key(row.neighbourhood or "")
            in {search_key(n) for n in area.neighbourhoods})
        or (area.system_id is not None and row.system_id == area.system_id)
    )


def _area_rows(area: Area, columns: tuple[Any, ...]) -> list[Any]:
    conds = _area_conditions(area)
    if not conds:
        return []
    stmt = (select(*columns).join(Consumer, Consumer.id == Connection.consumer_id)
            .where(Connection.situation == Situation.ACTIVE.value, or_(*conds))
            .order_by(Connection.id))
    rows = session().execute(stmt).all()
    if len(area.polygon) >= 3:
        poly = area.polygon
        rows = [r for r in rows if _matches_without_polygon(area, r) or (
            r.latitude is not None and r.longitude is not None
            and point_in_polygon(r.latitude, r.longitude, poly))]
    return rows


def contacts_in_area(area: Area) -> list[Contact]:
    out = []
    for r in _area_rows(area, _CONTACT_COLS):
        addr = f"{r.street}, {r.house_number}" + (f" - {r.complement}" if r.complement else "")
        out.append(Contact(
            consumer_id=r.consumer_id, connection_id=r.id, matricula=r.matricula, name=r.name,
            mobile=r.mobile, phones=tuple(r.phones or ()), email=r.email,
            channels=tuple(r.channels or ()), consent=bool(r.consent), address=addr,
            neighbourhood=r.neighbourhood, sector_code=r.sector_code, system_id=r.system_id,
            latitude=r.latitude, longitude=r.longitude))
    return out


def count_in_area(area: Area) -> int:
    if len(area.polygon) >= 3:
        return len(_area_rows(area, (Connection.id, Connection.sector_code,
                                     Connection.segment_code, Connection.neighbourhood,
                                     Connection.system_id, Connection.latitude,
                                     Connection.longitude)))
    conds = _area_conditions(area)
    if not conds:
        return 0
    return session().scalar(select(func.count(Connection.id)).where(
        Connection.situation == Situation.ACTIVE.value, or_(*conds))) or 0


def _neighbourhood_walk() -> Any:
    hood = Connection.neighbourhood
    walk = select(func.min(hood).label("name")).cte("hoods", recursive=True)
    following = select(func.min(hood)).where(hood > walk.c.name).scalar_subquery()
    walk = walk.union_all(select(following).where(walk.c.name.is_not(None)))
    return select(walk.c.name).where(walk.c.name.is_not(None))


# built once: the search page lists the neighbourhoods on every view
_NEIGHBOURHOOD_WALK = _neighbourhood_walk()


def neighbourhood_names() -> list[str]:
    """The distinct neighbourhoods, by a walk down their index (one index probe per name: a
    town has tens of neighbourhoods and tens of thousands of connections, and a plain DISTINCT
    read them all on every search page, 5 ms at 25,000 connections against 0.3 ms)."""
    rows = session().scalars(_NEIGHBOURHOOD_WALK)
    return sorted((r for r in rows if r), key=search_key)


def _matricula_location(matricula: str, *, public: bool) -> list[ServiceLocation]:
    """Where one matricula is served from; for the citizens' site only its system, sector and
    neighbourhood (never the street or the coordinates of one consumer)."""
    try:
        c = by_matricula(matricula)
    except NotFound:
        return []
    served = {"neighbourhood": c.neighbourhood, "system_id": c.system_id,
              "sector_code": c.sector_code}
    if public:
        return [ServiceLocation(label=f"Matrícula {format_matricula(c.matricula)} - {c.neighbourhood}",
                                extra={"tipo": "matricula"}, **served)]
    return [ServiceLocation(
        label=f"Matrícula {format_matricula(c.matricula)} - {c.street} - {c.neighbourhood}",
        latitude=c.latitude, longitude=c.longitude, matricula=c.matricula,
        extra={"situacao": c.situation, "logradouro": c.street}, **served)]


def locate(query: str, limit: int = 20) -> list[ServiceLocation]:
    """By matricula (with or without its digit), street or neighbourhood. The database groups
    the matching connections by street, neighbourhood, system and sector (a few dozen rows,
    whatever the number of connections); this sums the groups per neighbourhood and street."""
    q = (query or "").strip()
    if not q:
        return []
    d = digits(q)
    if d and len(d) == len(q.replace("-", "").replace(".", "").replace(" ", "")):
        return _matricula_location(q, public=False)
    key = search_key(q)
    if len(key) < 2:
        return []
    by_hood: dict[str, list[Any]] = {}
    by_street: dict[tuple[str, str], list[Any]] = {}
    for g in _located_groups(key):
        if key in search_key(g.neighbourhood):
            by_hood.setdefault(g.neighbourhood, []).append(g)
        if key in search_key(g.street) or key in search_key(g.street, g.neighbourhood):
            by_street.setdefault((g.street, g.neighbourhood), []).append(g)
    out = [_summary(hood, hood, by_hood[hood], "bairro") for hood in sorted(by_hood, key=search_key)]
    out += [_summary(f"{street} - {hood}", hood, by_street[(street, hood)], "logradouro")
            for street, hood in sorted(by_street, key=lambda t: (search_key(t[0]), t[1]))]
    return out[:limit]


def _located_groups(key: str) -> list[Any]:
    c = Connection
    return list(session().execute(
        select(c.street, c.neighbourhood, c.system_id, c.sector_code, func.count(c.id).label("n"),
               func.count(c.latitude).label("n_geo"), func.sum(c.latitude).label("lat"),
               func.sum(c.longitude).label("lon"))
        .where(contains(c.search_key, key), c.situation != Situation.REMOVED.value)
        .group_by(c.street, c.neighbourhood, c.system_id, c.sector_code)
        .order_by(c.street, c.neighbourhood, c.system_id, c.sector_code)).all())


def _summary(label: str, hood: str, groups: list[Any], kind: str) -> ServiceLocation:
    systems: Counter[int | None] = Counter()
    sectors: Counter[str | None] = Counter()
    for g in groups:
        systems[g.system_id] += g.n
        sectors[g.sector_code] += g.n
    n_geo = sum(g.n_geo for g in groups)
    lat = sum(g.lat for g in groups if g.n_geo) / n_geo if n_geo else None
    lon = sum(g.lon for g in groups if g.n_geo) / n_geo if n_geo else None
    extra = {"tipo": kind, "ligacoes": str(sum(g.n for g in groups))}
    if len(systems) > 1:
        extra["sistemas"] = ",".join(str(x) for x in systems if x is not None)
    return ServiceLocation(label=label, neighbourhood=hood, system_id=systems.most_common(1)[0][0],
                           sector_code=sectors.most_common(1)[0][0], latitude=lat, longitude=lon,
                           extra=extra)


PUBLIC_MIN_GROUP = 5  # fewer connections than this: the centre would point at a house


def locate_public(query: str, limit: int = 20) -> list[ServiceLocation]:
    """See commercial.api.locate_public."""
    q = (query or "").strip()
    compact = q.replace("-", "").replace(".", "").replace(" ", "")
    if compact.isdigit():
        if not matricula_is_valid(compact):
            return []
        return _matricula_location(compact, public=True)
    out = []
    for loc in locate(q, limit):
        if int(loc.extra.get("ligacoes", "0")) < PUBLIC_MIN_GROUP:
            loc = dataclasses.replace(loc, latitude=None, longitude=None)
        out.append(loc)
    return out
