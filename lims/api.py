"""The laboratory's public interface: the only way other areas read lab data.

Contract first (signatures and dataclasses are fixed; bodies are filled by the LIMS).
Only VALIDATED data counts in summaries; only PUBLICADA data is returned when
`published_only=True` (what leaves the lab: invoices and the public site).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Parameter codes of the Decreto 5.440 "parametros basicos" (invoice quality block, portal).
BASIC_PARAMETER_CODES: tuple[str, ...] = (
    "turbidez",
    "cor_aparente",
    "cloro_residual_livre",
    "fluoreto",
    "coliformes_totais",
    "escherichia_coli",
)


@dataclass(frozen=True)
class SystemInfo:
    id: int
    code: str
    name: str
    kind: str  # SAA | SAC | SAI
    population_served: int
    source_type: str  # superficial | subterraneo | misto
    treatment_type: str  # filtracao_rapida | filtracao_lenta | membrana | so_desinfeccao
    neighbourhoods: tuple[str, ...]
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class PointInfo:
    id: int
    code: str
    name: str
    system_id: int
    # captacao | agua_filtrada | filtrada_combinada | saida_tratamento | reservatorio | rede |
    # ponta_de_rede | poco | torneira
    kind: str
    address: str | None
    neighbourhood: str | None
    latitude: float | None
    longitude: float | None
    active: bool


@dataclass(frozen=True)
class ParameterSummary:
    parameter_code: str
    parameter_name: str
    unit: str
    standard: str  # the limit in words, e.g. "maximo 5,0 uT na rede"
    required: int  # samples the standard requires this month
    planned: int
    analysed: int
    conforming: int
    # conforme | nao_conforme | sem_dados | indeterminado | fora_da_recomendacao (pH outside
    # its recommended range: a recommendation, never "nao conforme")
    verdict: str
    rule: str  # the compliance rule applied, in words
    mean: float | None = None
    p95: float | None = None  # nearest-rank P95 (worst point type)
    field_readings: int = 0  # of `analysed`, readings typed by the collector in the field


@dataclass(frozen=True)
class QualitySummary:
    system_id: int
    system_name: str
    year: int
    month: int
    level: str  # sistema | plano | reservatorio
    closed: bool
    parameters: tuple[ParameterSummary, ...]
    more_info: str  # where to read more (Decreto 5.440 Art. 5 I a)
    scope_id: int | None = None  # system, plan or reservoir point id of `level`
    scope_name: str = ""  # "Reservatorio Alto", "Plano 2026 v1", the system's name
    counting_rule: str = ""  # the one counting rule, printed by every reader
    rules_version: str = ""  # version of the rules the month was judged by


@dataclass(frozen=True)
class PublishedResult:
    sample_id: int
    sample_code: str
    point_id: int
    point_name: str
    system_id: int
    collected_at: dt.datetime | None
    parameter_code: str
    parameter_name: str
    value: str  # as reported, pt-BR: "0,35", "Ausente", "< LD"
    numeric: float | None
    unit: str
    conforming: bool | None
    standard: str
    published_at: dt.datetime


def systems() -> list[SystemInfo]:
    """Active supply systems."""
    from sqlalchemy import select

    from core.db import session
    from lims.models.registry import SupplySystem

    rows = session.scalars(select(SupplySystem).where(SupplySystem.active.is_(True))
                           .order_by(SupplySystem.code))
    return [SystemInfo(id=s.id, code=s.code, name=s.name, kind=s.kind,
                       population_served=s.population_served, source_type=s.source_type,
                       treatment_type=s.treatment_type, neighbourhoods=tuple(s.neighbourhoods or ()),
                       latitude=s.latitude, longitude=s.longitude) for s in rows]


def points(system_id: int | None = None) -> list[PointInfo]:
    """Active collection points, optionally of one system."""
    from sqlalchemy import select

    from core.db import session
    from lims.models.registry import CollectionPoint

    stmt = select(CollectionPoint).where(CollectionPoint.active.is_(True)).order_by(CollectionPoint.code)
    if system_id is not None:
        stmt = stmt.where(CollectionPoint.system_id == system_id)
    return [PointInfo(id=p.id, code=p.code, name=p.name, system_id=p.system_id, kind=p.kind,
                      address=p.address, neighbourhood=p.neighbourhood, latitude=p.latitude,
                      longitude=p.longitude, active=p.active) for p in session.scalars(stmt)]


def quality_summary(system_id: int, year: int, month: int, *, published_only: bool = True,
                    basic_only: bool = True, level: str = "sistema",
                    scope_id: int | None = None) -> QualitySummary:
    """What Decreto 5.440 asks on the invoice and what the public site shows, per basic
    parameter: required, analysed, conforming and the verdict for that month, for one closing
    scope (`level` sistema | plano | reservatorio, `scope_id` the plan or reservoir point).
    A closed month is read from the rows stored when it was closed; an open month is computed
    live (only PUBLICADA results when `published_only`)."""
    from lims.services.reports import quality_summary as _impl

    return _impl(system_id, year, month, published_only=published_only, basic_only=basic_only,
                 level=level, scope_id=scope_id)


def quality_summaries(keys: list[tuple[int, int, int]], *,
                      published_only: bool = True) -> dict[tuple[int, int, int], QualitySummary]:
    """`quality_summary` (system level, basic parameters) of many (system_id, year, month):
    the closed months in one read of the stored rows, the open ones computed."""
    from lims.services.reports import quality_summaries as _impl

    return _impl(keys, published_only=published_only)


def quality_for_connection(system_id: int, year: int, month: int, *,
                           sector_code: str | None = None, neighbourhood: str | None = None,
                           published_only: bool = True) -> QualitySummary:
    """`quality_summary` of the most specific closed scope serving a connection (its sector's
    or neighbourhood's reservoir scope, else the system); `level`/`scope_name` say which."""
    from lims.services.reports import quality_for_connection as _impl

    return _impl(system_id, year, month, sector_code=sector_code, neighbourhood=neighbourhood,
                 published_only=published_only)


def quality_history(system_id: int, months: int = 12, *, until: tuple[int, int] | None = None,
                    published_only: bool = True) -> list[QualitySummary]:
    """`quality_summary` for the last `months` months up to `until` (year, month), oldest first."""
    from lims.services.reports import quality_history as _impl

    return _impl(system_id, months, until=until, published_only=published_only)


def published_results(*, point_id: int | None = None, system_id: int | None = None,
                      parameter_code: str | None = None, since: dt.date | None = None,
                      until: dt.date | None = None, limit: int = 100,
                      offset: int = 0) -> list[PublishedResult]:
    """PUBLICADA results only, newest first."""
    from lims.services.reports import published_results as _impl

    return _impl(point_id=point_id, system_id=system_id, parameter_code=parameter_code,
                 since=since, until=until, limit=limit, offset=offset)


def register_eta_stoppage(eta_code: str, started_at: dt.datetime, *,
                          ended_at: dt.datetime | None = None, reason: str = "",
                          source_ref: str = "") -> int:
    """Record (or update, same source_ref) an ETA stoppage from the supervisory system."""
    from lims.services.reports import register_eta_stoppage as _impl

    return _impl(eta_code, started_at, ended_at=ended_at, reason=reason, source_ref=source_ref)


def end_eta_stoppage(eta_code: str, ended_at: dt.datetime, *, source_ref: str = "") -> None:
    """Close the open stoppage of `eta_code` (the one with `source_ref`, when given)."""
    from lims.services.reports import end_eta_stoppage as _impl

    _impl(eta_code, ended_at, source_ref=source_ref)


@dataclass(frozen=True)
class StandardLimit:
    """A parameter's potability limit (VMP) as numbers, for charts and plain-words texts."""

    parameter_code: str
    unit: str
    minimum: float | None
    maximum: float | None
    absence: bool  # presence/absence parameters: must be absent
    text: str  # the limit in words, e.g. "<= 5,0 uT"


def standard_limits(codes: tuple[str, ...] = BASIC_PARAMETER_CODES) -> dict[str, StandardLimit]:
    """Thin read (added for the public site): the limits the monthly closing applies."""
    from lims.domain.vmp import describe_limit
    from lims.services import limits

    catalogue = limits.many(codes)  # the catalogue is the one source of limits
    out = {}
    for code in codes:
        if code not in catalogue:
            continue
        lim, unit = limits.general_limit(code), catalogue[code].unit
        out[code] = StandardLimit(
            parameter_code=code, unit=unit,
            minimum=float(lim.minimum) if lim.minimum is not None else None,
            maximum=float(lim.maximum) if lim.maximum is not None else None,
            absence=lim.absence, text=describe_limit(lim, unit))
    return out
