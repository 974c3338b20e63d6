"""LIMS services: the small frozen references shared by results, samples, validation and the
closing (a sample's facts, a parameter's standard), and the standing result of a (sample,
parameter). Their own module, below everything that uses them (no import cycle)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select

from core import fmt
from core.db import ids_in, session
from lims.domain.samples import SampleState
from lims.domain.vmp import Limit
from lims.models.results import Result, ResultState
from lims.models.samples import Sample, SampleParameter


@dataclass(frozen=True)
class ParameterRef:
    id: int
    code: str
    name: str
    unit: str
    limit: Limit
    method: str | None = None
    ld: Decimal | None = None
    lq: Decimal | None = None
    plausible_low: Decimal | None = None
    plausible_high: Decimal | None = None
    group: str = ""


@dataclass(frozen=True)
class SampleRef:
    id: int
    code: str
    point_id: int | None
    point_code: str
    point_name: str
    point_kind: str
    system_id: int | None
    system_name: str
    collected_at: dt.datetime | None
    is_recoleta: bool = False
    latitude: float | None = None
    longitude: float | None = None
    neighbourhoods: tuple[str, ...] = field(default_factory=tuple)
    upstream: tuple[int, ...] = ()
    downstream: tuple[int, ...] = ()


def active_result(sample_id: int, parameter_id: int) -> Result | None:
    """The result that currently stands for (sample, parameter): not superseded, not cancelled."""
    return session.scalars(
        select(Result).where(
            Result.sample_id == sample_id, Result.parameter_id == parameter_id,
            Result.state.not_in([ResultState.SUPERSEDED, ResultState.CANCELLED]),
        )
    ).first()


def active_pairs(sample_ids: set[int]) -> set[tuple[int, int]]:
    """(sample_id, parameter_id) of every result that currently stands for these samples
    (`active_result` of many cells in one query)."""
    if not sample_ids:
        return set()
    return {(r.sample_id, r.parameter_id) for r in session.execute(
        select(Result.sample_id, Result.parameter_id).where(
            ids_in(Result.sample_id, sorted(sample_ids)),  # integers in the SQL: thousands
            Result.state.not_in([ResultState.SUPERSEDED, ResultState.CANCELLED])))}


# the states in which a sample waits for results (received, or sent back for reanalysis)
AWAITING = (SampleState.AWAITING_ANALYSIS, SampleState.AWAITING_VALIDATION, SampleState.VALIDATED)


def cells_left(sample_id: int) -> tuple[int, int]:
    """(parameters, parameters without a standing result) of a sample waiting for results, in
    one statement; (0, 0) when it does not wait (what the entry screens would list of it)."""
    standing = select(Result.id).where(
        Result.sample_id == SampleParameter.sample_id,
        Result.parameter_id == SampleParameter.parameter_id,
        Result.state.not_in([ResultState.SUPERSEDED, ResultState.CANCELLED])).exists()
    n, left = session.execute(select(func.count(), func.count().filter(~standing)).select_from(
        SampleParameter).join(Sample, and_(Sample.id == SampleParameter.sample_id,
                                           Sample.state.in_(AWAITING)))
        .where(SampleParameter.sample_id == sample_id)).one()
    return int(n), int(left)


def param_ref(p) -> ParameterRef:  # type: ignore[no-untyped-def]
    """ParameterRef of a lims.models.catalogue.Parameter."""
    def dec(v: object) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    def shown(v: object) -> Decimal | None:  # the limit as the catalogue writes it
        return fmt.as_shown(v, p.compare_decimals)

    limit = Limit(maximum=shown(p.vmp_max), minimum=shown(p.vmp_min),
                  absence=bool(p.presence_absence), decimals=p.compare_decimals)
    return ParameterRef(id=p.id, code=p.code, name=p.name, unit=p.unit or "", limit=limit,
                        method=p.method, ld=dec(p.ld), lq=dec(p.lq),
                        plausible_low=dec(p.plausible_min), plausible_high=dec(p.plausible_max),
                        group=str(p.group or ""))
