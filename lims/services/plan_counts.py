"""Counts for the monthly closing (part 2): what the standard requires, the approved plan plans
and the lab collected in one system's month, per (parameter, "saida" | "rede")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import extract, func, select

from core.db import session, unit_memo, unit_memo_keep, unit_memo_kept
from lims.domain import plans as dom
from lims.domain.samples import SampleState
from lims.models.catalogue import Parameter
from lims.models.plans import PlanItem, SamplingPlan
from lims.models.registry import CollectionPoint, SupplySystem, Unit
from lims.models.samples import Sample, SampleParameter
from lims.services.minimums import minimum_rules_for, traits_of
from lims.services.plans import approved_plan, planned_items


def _approved_items(system_id: int, year: int) -> list[dom.PlannedItem]:
    """The active items of the system's approved plan of `year` ([] without one), read once per
    request: the annual report and the open months of a year ask for each month."""
    def read() -> list[dom.PlannedItem]:
        plan = approved_plan(system_id, year)
        return [] if plan is None else planned_items(plan)

    return unit_memo(("plans.approved_items", system_id, year), read,
                     models=(SamplingPlan, PlanItem, Parameter, CollectionPoint))


_COLLECTED_FROM = (Sample, SampleParameter, Parameter, CollectionPoint)


def _collected(system_id: int, year: int, first_month: int, last_month: int
               ) -> dict[int, list[tuple[str, str, int]]]:
    """{month: [(parameter code, point kind, samples collected)]} of one system, months
    `first_month`..`last_month` of `year` (recoletas left out), in one grouped query."""
    first = dt.date(year, first_month, 1)
    nxt = dt.date(year + (last_month == 12), last_month % 12 + 1, 1)
    done = (SampleState.COLLECTED, SampleState.AWAITING_ANALYSIS,
            SampleState.AWAITING_VALIDATION, SampleState.VALIDATED, SampleState.PUBLISHED)
    month = extract("month", Sample.scheduled_for)
    out: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for code, kind, m, n in session.execute(
            select(Parameter.code, CollectionPoint.kind, month, func.count(Sample.id))
            .join(SampleParameter, SampleParameter.sample_id == Sample.id)
            .join(Parameter, Parameter.id == SampleParameter.parameter_id)
            .join(CollectionPoint, CollectionPoint.id == Sample.point_id)
            .where(Sample.system_id == system_id, Sample.is_recoleta.is_(False),
                   Sample.state.in_(done), Sample.scheduled_for >= first,
                   Sample.scheduled_for < nxt)
            .group_by(Parameter.code, CollectionPoint.kind, month)):
        out[int(m)].append((code, kind, n))
    return out


def read_collected_ahead(system_id: int, year: int, months: list[int]) -> None:
    """The collected counts of several months of one system's year in one query, kept for
    this unit of work: month_counts then reads them instead of one query a month (the annual
    report of a year with open months asks for each)."""
    if not months:
        return
    got = _collected(system_id, year, min(months), max(months))
    for m in months:
        unit_memo_keep(("plans.collected", system_id, year, m), got.get(m, []),
                       models=_COLLECTED_FROM)


def month_counts(system_id: int, year: int, month: int):  # type: ignore[no-untyped-def]
    """(required, planned, collected, eta_codes) of one system's month: the first three map
    (parameter_code, "saida" | "rede") -> count; eta_codes are the system's ETA unit codes."""
    required: dict[tuple[str, str], int] = defaultdict(int)
    planned: dict[tuple[str, str], int] = defaultdict(int)
    collected: dict[tuple[str, str], int] = defaultdict(int)
    system = session.get(SupplySystem, system_id)
    if system is None:
        return {}, {}, {}, []
    for rule in dom.applicable(minimum_rules_for(system), population=system.population_served,
                               source_type=system.source_type, system_kind=system.kind,
                               traits=traits_of(system)):
        if rule.where in ("saida", "rede"):
            required[(rule.parameter_code, rule.where)] += dom.required_in_month(
                rule, system.population_served, year, month)
    for it in _approved_items(system_id, year):
        if it.where in ("saida", "rede"):
            planned[(it.parameter_code, it.where)] += dom.count(
                it.frequency, year, month, custom_count=it.custom_count,
                start_month=it.start_month)
    rows = unit_memo_kept(("plans.collected", system_id, year, month), models=_COLLECTED_FROM)
    if rows is None:
        rows = _collected(system_id, year, month, month).get(month, [])
    for code, kind, n in rows:
        where = dom.where_of(kind)
        if where in ("saida", "rede"):
            collected[(code, where)] += n
    etas = unit_memo(("plans.eta_codes", system_id), lambda: list(session.scalars(
        select(Unit.code).where(Unit.system_id == system_id, Unit.kind == "eta"))), models=(Unit,))
    def nonzero(d: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
        return {k: v for k, v in d.items() if v}

    return nonzero(required), nonzero(planned), nonzero(collected), etas
