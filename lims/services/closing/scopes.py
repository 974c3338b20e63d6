"""The scopes a month is closed at (tender 7.12): the whole system, one sampling plan's points, or
one reservoir and every point downstream of it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.db import session
from core.errors import NotFound, ValidationError
from lims.models.closing import ClosingLevel
from lims.models.plans import PlanItem, SamplingPlan
from lims.models.registry import CollectionPoint, PointLink, SupplySystem
from lims.services.closing.report import ReportRow, pre_closing, system_facts


@dataclass(frozen=True)
class Scope:
    level: ClosingLevel
    scope_id: int
    name: str
    point_ids: tuple[int, ...] | None  # None: the whole system


def scope_of(system_id: int, level: ClosingLevel | str, scope_id: int | None) -> Scope:
    """The points a closing of `level` covers (tender 7.12): the whole system; the points of
    one sampling plan; or one reservoir and every point downstream of it."""
    level = ClosingLevel(level)
    if level is ClosingLevel.SYSTEM:
        s = session.get(SupplySystem, system_id)
        return Scope(level, system_id, s.name if s else f"Sistema {system_id}", None)
    if scope_id is None:
        msg = "Informe o plano ou o reservatório do fechamento."
        raise ValidationError(msg, fields={"escopo": [msg]})
    if level is ClosingLevel.PLAN:
        plan = session.get(SamplingPlan, scope_id)
        if plan is None or plan.system_id != system_id:
            raise NotFound("Plano de amostragem não encontrado neste sistema.")
        pts = tuple(sorted(set(session.scalars(select(PlanItem.point_id).where(
            PlanItem.plan_id == scope_id)))))
        return Scope(level, scope_id, f"Plano {plan.year} v{plan.version}", pts)
    res = session.get(CollectionPoint, scope_id)
    if res is None or res.system_id != system_id or res.kind != "reservatorio":
        raise NotFound("Reservatório não encontrado neste sistema.")
    links: dict[int, set[int]] = defaultdict(set)
    for up, down in session.execute(select(PointLink.upstream_id, PointLink.downstream_id)):
        links[up].add(down)
    seen, todo = {res.id}, [res.id]
    while todo:  # everything the reservoir feeds, transitively
        for nxt in links.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return Scope(level, scope_id, res.name, tuple(sorted(seen)))


def scope_report(system_id: int, year: int, month: int, scope: Scope,
                 **report_kw: Any) -> list[ReportRow]:
    """The pre-closing report of one scope. The standard's minimums are per system: a plan
    scope keeps them; a reservoir scope has none of its own (required 0, shown as such)."""
    if scope.point_ids is None:
        return pre_closing(system_id, year, month, **report_kw)
    if scope.level is ClosingLevel.RESERVOIR:
        report_kw.setdefault("required", {})
        report_kw.setdefault("planned", {})
        report_kw.setdefault("collected", {})
        report_kw.setdefault("eta_codes", [])
        if not report_kw.get("population"):
            report_kw["population"], report_kw["treatment_type"] = system_facts(
                system_id, 0, report_kw.get("treatment_type", ""))
    return pre_closing(system_id, year, month, point_ids=list(scope.point_ids), **report_kw)


def scopes(system_id: int) -> list[tuple[str, int, str]]:
    """The scopes a month of the system can be closed at: (level, scope_id, name)."""
    s = session.get(SupplySystem, system_id)
    out = [(ClosingLevel.SYSTEM.value, system_id, s.name if s else f"Sistema {system_id}")]
    out += [(ClosingLevel.PLAN.value, p.id, f"Plano {p.year} v{p.version}")
            for p in session.scalars(select(SamplingPlan).where(
                SamplingPlan.system_id == system_id).order_by(SamplingPlan.year.desc(),
                                                              SamplingPlan.version.desc()))]
    out += [(ClosingLevel.RESERVOIR.value, p.id, p.name)
            for p in session.scalars(select(CollectionPoint).where(
                CollectionPoint.system_id == system_id, CollectionPoint.kind == "reservatorio",
                CollectionPoint.active.is_(True)).order_by(CollectionPoint.name))]
    return out
