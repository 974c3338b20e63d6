"""LIMS services: the proposed minimum plan of a system (lims.domain.plan_generator), a draft
plan started from it, the differences between the Gestor's plan and the proposal (each
explained by the minimum check), the updated proposal when the population changes, and the
spatial coverage of the network samples over the system's sectors."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.db import session, transactional
from core.errors import NotFound, ValidationError
from lims.data import CATALOGUE, reference
from lims.domain import coverage as cov
from lims.domain import plan_generator as gen
from lims.domain import plans as dom
from lims.models.catalogue import Parameter
from lims.models.plans import PlanItem, SamplingPlan, Section
from lims.models.registry import CollectionPoint, SupplySystem, Unit
from lims.services import plans
from lims.services.actor import acting


@functools.cache
def companions() -> tuple[gen.Companion, ...]:
    """The catalogue's companions (E. coli and heterotrophic bacteria on the network samples)."""
    return tuple(gen.companions_of(reference(CATALOGUE)))


def get_system(system_id: int) -> SupplySystem:
    system = session.get(SupplySystem, system_id)
    if system is None:
        raise NotFound("Sistema não encontrado.")
    return system


def _points(system_id: int) -> list[CollectionPoint]:
    return list(session.scalars(select(CollectionPoint).where(
        CollectionPoint.system_id == system_id, CollectionPoint.active.is_(True))
        .order_by(CollectionPoint.code)))


def _parameters(what):  # type: ignore[no-untyped-def]
    return {p.code: what(p) for p in session.scalars(select(Parameter))}


def _sector_of(units: dict[int, Unit]):  # type: ignore[no-untyped-def]
    def find(unit_id: int | None) -> int | None:
        seen = set()
        while unit_id is not None and unit_id in units and unit_id not in seen:
            seen.add(unit_id)
            if units[unit_id].kind == "setor":
                return unit_id
            unit_id = units[unit_id].parent_id
        return None
    return find


@dataclass(frozen=True)
class Layout:
    sectors: list[cov.Sector]
    points: list[gen.PointSpec]
    by_id: dict[int, CollectionPoint]
    units: dict[int, Unit]


def layout(system_id: int) -> Layout:
    """The system's sectors (weight: population, else connections) and points (a network
    point belongs to the sector above its unit)."""
    units = {u.id: u for u in session.scalars(select(Unit).where(
        Unit.system_id == system_id, Unit.active.is_(True)))}
    sectors = [cov.Sector(u.id, u.code, u.name, u.population or u.connections or 0,
                          u.latitude, u.longitude)
               for u in sorted(units.values(), key=lambda u: u.code) if u.kind == "setor"]
    find = _sector_of(units)
    pts = _points(system_id)
    specs = [gen.PointSpec(p.id, p.code, p.kind, find(p.unit_id), p.sensitive) for p in pts]
    return Layout(sectors, specs, {p.id: p for p in pts}, units)


def network_points(lay: Layout) -> list[gen.PointSpec]:
    return [p for p in lay.points if p.where == "rede"]


def propose(system_id: int, year: int, *, population: int | None = None) -> gen.Proposal:
    system = get_system(system_id)
    lay = layout(system_id)
    return gen.propose(plans.minimum_rules_for(system), lay.points,
                       population=system.population_served if population is None else population,
                       source_type=system.source_type, system_kind=system.kind,
                       traits=plans.traits_of(system), year=year,
                       network=cov.allocator(lay.sectors, network_points(lay)),
                       companions=companions())


def coverage(system_id: int) -> cov.Coverage:
    """The month's network coliform samples (the largest monthly network rule) over sectors."""
    system = get_system(system_id)
    lay = layout(system_id)
    rules = [r for r in dom.applicable(plans.minimum_rules_for(system),
                                       population=system.population_served,
                                       source_type=system.source_type, system_kind=system.kind)
             if r.where == "rede" and r.frequency in gen.MONTHLY]
    n = max((dom.per_occurrence(r, system.population_served) for r in rules), default=0)
    return cov.allocate(n, lay.sectors, network_points(lay))


@transactional
def create_from_proposal(system_id: int, year: int, *, user_id: int | None = None) -> SamplingPlan:
    """A new draft version holding the proposal, which it keeps to compare the edits with."""
    system = get_system(system_id)
    proposal = propose(system_id, year)
    if not proposal.items:
        raise ValidationError("Cadastre os pontos de coleta do sistema antes de gerar a proposta.",
                              code="sem_pontos")
    plan = plans.create_plan(system_id, year, user_id=user_id,
                             name=f"Plano mínimo proposto {system.name} {year}")
    from_code = _parameters(lambda p: p.id)
    with acting(user_id, f"plano {plan.id}: proposta do plano mínimo ({len(proposal.items)} linhas)"):
        for it in proposal.items:
            session.add(_item(plan.id, it, from_code))
        plan.proposal = gen.to_json(proposal.items)
        plan.proposal_population = system.population_served
        session.flush()
    session.refresh(plan)
    return plan


def _item(plan_id: int, it: gen.Proposed, ids: dict[str, int]) -> PlanItem:
    return PlanItem(plan_id=plan_id, parameter_id=ids[it.parameter_code], point_id=it.point_id,
                    section=str(Section.TREATMENT if it.where in ("saida", "captacao")
                                else Section.NETWORK),
                    frequency=str(it.frequency), custom_count=it.custom_count,
                    start_month=it.start_month, active=True)


def current_items(plan: SamplingPlan) -> list[gen.Proposed]:
    return [gen.Proposed(i.parameter.code, i.point_id, dom.where_of(i.point.kind),
                         dom.Frequency(i.frequency), i.custom_count, i.start_month)
            for i in plan.items if i.active]


def explained(plan: SamplingPlan, changes: list[gen.Change]) -> list[dict[str, Any]]:
    """Each change with what the minimum check says of its parameter and place."""
    check = plans.minimum_check(plan.id)
    cells: dict[tuple[str, str], list[dom.CheckCell]] = {}
    for c in check.cells:
        cells.setdefault((c.parameter_code, c.where), []).append(c)
    points = {p.id: p for p in _points(plan.system_id)}
    names = _parameters(lambda p: p.name)
    out = []
    for ch in changes:
        mine = cells.get((ch.parameter_code, ch.where), [])
        short = [c for c in mine if not c.ok]
        if not mine:
            verdict, ok = "sem mínimo na norma para este parâmetro neste lugar", True
        elif short:
            worst = max(short, key=lambda c: c.required - c.planned)
            verdict, ok = (f"abaixo do mínimo em {len(short)} mês(es): no mês {worst.month}, "
                           f"{worst.planned} planejada(s) de {worst.required} exigida(s)"), False
        else:
            verdict, ok = "o mínimo continua atendido em todos os meses", True
        pt = points.get(ch.point_id)
        out.append({"kind": ch.kind, "parameter": names.get(ch.parameter_code, ch.parameter_code),
                    "point": f"{pt.code} - {pt.name}" if pt else f"#{ch.point_id}",
                    "before": ch.before, "after": ch.after, "verdict": verdict, "ok": ok,
                    "rule": plans.rule_in_words(mine[0].rule_text) if mine else ""})
    return out


def edits(plan_id: int) -> list[dict[str, Any]]:
    """The Gestor's edits against the proposal the plan started from."""
    plan = plans.get(plan_id)
    if plan.proposal is None:
        return []
    return explained(plan, gen.diff(gen.from_json(plan.proposal), current_items(plan)))


def population_update(plan_id: int) -> dict[str, Any] | None:
    """When the system's population (or its traits) no longer match the proposal the plan was
    made from: the updated proposal's differences from the plan as it is."""
    plan = plans.get(plan_id)
    system = get_system(plan.system_id)
    if plan.proposal is None or plan.proposal_population == system.population_served:
        return None
    new = propose(plan.system_id, plan.year)
    changes = gen.diff(current_items(plan), new.items)
    return {"before": plan.proposal_population, "after": system.population_served,
            "changes": explained(plan, changes), "count": len(changes)}


@transactional
def set_traits(system_id: int, traits: list[str], *, user_id: int | None = None) -> SupplySystem:
    system = get_system(system_id)
    bad = [t for t in traits if t not in gen.TRAITS]
    if bad:
        raise ValidationError("Característica desconhecida.", fields={"caracteristicas": bad})
    with acting(user_id, f"sistema {system.code}: características do plano"):
        system.plan_traits = sorted(set(traits))
        session.flush()
    return system
