"""The laboratory's public interface: the only way other areas read lab data.

Contract first (signatures and dataclasses are fixed; bodies are filled by the LIMS).
Only VALIDATED data counts in summaries; only PUBLICADA data is returned when
`published_only=True` (what leaves the lab: invoices and the public site).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import session

# the answers' types, re-exported (the `X as X` form marks a re-export, PEP 484): other areas
# read them from here, never from lims.domain
from lims.domain.published import BASIC_PARAMETER_CODES as BASIC_PARAMETER_CODES
from lims.domain.published import ParameterSummary as ParameterSummary
from lims.domain.published import PointInfo as PointInfo
from lims.domain.published import PublishedResult as PublishedResult
from lims.domain.published import QualitySummary as QualitySummary
from lims.domain.published import StandardLimit as StandardLimit
from lims.domain.published import SystemInfo as SystemInfo
from lims.domain.sensor_lab import ExtraSample as ExtraSample
from lims.domain.sensor_lab import LabPoint as LabPoint
from lims.domain.sensor_lab import SensorSeries as SensorSeries
from lims.domain.sensor_lab import chart_start as chart_start
from lims.domain.vmp import PLAIN_WORDS, describe_limit
from lims.models.registry import CollectionPoint, SupplySystem
from lims.services import extra_samples, limits, quality, sensor_lab, stoppages


def systems() -> list[SystemInfo]:
    """Active supply systems."""
    rows = session.scalars(select(SupplySystem).where(SupplySystem.active.is_(True))
                           .order_by(SupplySystem.code))
    return [SystemInfo(id=s.id, code=s.code, name=s.name, kind=s.kind,
                       population_served=s.population_served, source_type=s.source_type,
                       treatment_type=s.treatment_type, neighbourhoods=tuple(s.neighbourhoods or ()),
                       latitude=s.latitude, longitude=s.longitude) for s in rows]


def _point_info(p: CollectionPoint) -> PointInfo:
    return PointInfo(id=p.id, code=p.code, name=p.name, system_id=p.system_id, kind=p.kind,
                     address=p.address, neighbourhood=p.neighbourhood, latitude=p.latitude,
                     longitude=p.longitude, active=p.active)


def points(system_id: int | None = None) -> list[PointInfo]:
    """Active collection points, optionally of one system."""
    stmt = select(CollectionPoint).where(CollectionPoint.active.is_(True)).order_by(CollectionPoint.code)
    if system_id is not None:
        stmt = stmt.where(CollectionPoint.system_id == system_id)
    return [_point_info(p) for p in session.scalars(stmt)]


def points_for_tag(tag: str) -> list[PointInfo]:
    """Active collection points linked to a telemetry tag (the same water, issue 18)."""
    return [_point_info(p) for p in sensor_lab.points_for_tag(tag)]


def request_extra_samples(point_id: int, *, ref: str, reason: str,
                          downstream: bool = True) -> list[ExtraSample]:
    """Samples collected today at the point and (`downstream`, the default) every point
    downstream of it (the recoleta topology), recorded under `ref` (e.g. "incidente:12");
    idempotent per ref. When all of one's results are validated, lims publishes
    `ExtraSampleValidated`. A consumer's complaint asks for the one point (downstream=False)."""
    return extra_samples.request(point_id, ref=ref, reason=reason, downstream=downstream)


def extra_samples_of(ref: str) -> list[ExtraSample]:
    """The extra samples asked under `ref`."""
    return extra_samples.requested(ref)


def sensor_lab_series(point_id: int, start: dt.datetime, end: dt.datetime, *,
                      published_only: bool = True) -> list[SensorSeries]:
    """The point's linked analysers: their readings in [start, end) and the lab's results
    of the same parameter (PUBLICADA only when `published_only`), for one chart each."""
    return sensor_lab.series(point_id, start, end, published_only=published_only)


def quality_summary(system_id: int, year: int, month: int, *, published_only: bool = True,
                    basic_only: bool = True, level: str = "sistema",
                    scope_id: int | None = None) -> QualitySummary:
    """What Decreto 5.440 asks on the invoice and what the public site shows, per basic
    parameter: required, analysed, conforming and the verdict for that month, for one closing
    scope (`level` sistema | plano | reservatorio, `scope_id` the plan or reservoir point).
    A closed month is read from the rows stored when it was closed; an open month is computed
    live (only PUBLICADA results when `published_only`)."""
    return quality.quality_summary(system_id, year, month, published_only=published_only, basic_only=basic_only,
                 level=level, scope_id=scope_id)


def quality_summaries(keys: list[tuple[int, int, int]], *, published_only: bool = True,
                      stored_only: bool = False) -> dict[tuple[int, int, int], QualitySummary]:
    """`quality_summary` (system level, basic parameters) of many (system_id, year, month):
    the closed months in one read of the stored rows, the open ones computed (left out with
    `stored_only`: one query whatever the number of months)."""
    return quality.quality_summaries(keys, published_only=published_only, stored_only=stored_only)


def quality_for_connection(system_id: int, year: int, month: int, *,
                           sector_code: str | None = None, neighbourhood: str | None = None,
                           published_only: bool = True) -> QualitySummary:
    """`quality_summary` of the most specific closed scope serving a connection (its sector's
    or neighbourhood's reservoir scope, else the system); `level`/`scope_name` say which."""
    return quality.quality_for_connection(system_id, year, month, sector_code=sector_code, neighbourhood=neighbourhood,
                 published_only=published_only)


def quality_history(system_id: int, months: int = 12, *, until: tuple[int, int] | None = None,
                    published_only: bool = True) -> list[QualitySummary]:
    """`quality_summary` for the last `months` months up to `until` (year, month), oldest first."""
    return quality.quality_history(system_id, months, until=until, published_only=published_only)


def published_results(*, point_id: int | None = None, system_id: int | None = None,
                      parameter_code: str | None = None, since: dt.date | None = None,
                      until: dt.date | None = None, limit: int = 100,
                      offset: int = 0) -> list[PublishedResult]:
    """PUBLICADA results only, newest first."""
    return quality.published_results(point_id=point_id, system_id=system_id, parameter_code=parameter_code,
                 since=since, until=until, limit=limit, offset=offset)


def register_eta_stoppage(eta_code: str, started_at: dt.datetime, *,
                          ended_at: dt.datetime | None = None, reason: str = "",
                          source_ref: str = "") -> int:
    """Record (or update, same source_ref) an ETA stoppage from the supervisory system."""
    return stoppages.register_eta_stoppage(eta_code, started_at, ended_at=ended_at, reason=reason, source_ref=source_ref)


def end_eta_stoppage(eta_code: str, ended_at: dt.datetime, *, source_ref: str = "") -> None:
    """Close the open stoppage of `eta_code` (the one with `source_ref`, when given)."""
    stoppages.end_eta_stoppage(eta_code, ended_at, source_ref=source_ref)


def standard_limits(codes: tuple[str, ...] = BASIC_PARAMETER_CODES) -> dict[str, StandardLimit]:
    """Thin read (added for the public site): the limits the monthly closing applies."""
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
            absence=lim.absence, text=describe_limit(lim, unit),
            plain=describe_limit(lim, unit, PLAIN_WORDS))
    return out
