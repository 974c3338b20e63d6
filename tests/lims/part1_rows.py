"""Part 1 rows behind the small references the part 2 tests use (SampleRef / ParameterRef).

The part 2 tests build synthetic references with fixed ids; these helpers make the matching
registry, catalogue and sample rows exist (same ids), so recoleta, the sample lifecycle hooks
and the closing read real part 1 data. Only for tests."""

from __future__ import annotations

from sqlalchemy import select

from core.db import session
from lims.domain.samples import SampleState
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.samples import Sample, SampleParameter


def ensure_parameter(ref) -> Parameter:  # type: ignore[no-untyped-def]
    p = session.get(Parameter, ref.id)
    if p is None:
        taken = session.scalars(select(Parameter.id).where(Parameter.code == ref.code)).first()
        p = Parameter(id=ref.id, code=ref.code if taken is None else f"{ref.code}_t{ref.id}",
                      name=ref.name, group=ref.group or ("microbiologico" if ref.limit.absence
                                                         else "operacional"),
                      unit=ref.unit, vmp_min=ref.limit.minimum, vmp_max=ref.limit.maximum,
                      presence_absence=ref.limit.absence, ld=ref.ld, lq=ref.lq,
                      plausible_min=ref.plausible_low, plausible_max=ref.plausible_high,
                      source="teste")
        session.add(p)
        session.flush()
    return p


def ensure_sample(ref, params=(), state: SampleState = SampleState.AWAITING_ANALYSIS) -> Sample:  # type: ignore[no-untyped-def]
    """System, point, parameters and the sample of `ref` (created once, same ids)."""
    if ref.system_id is not None and session.get(SupplySystem, ref.system_id) is None:
        session.add(SupplySystem(id=ref.system_id, code=f"TESTE-{ref.system_id}",
                                 name=ref.system_name, population_served=0,
                                 neighbourhoods=list(ref.neighbourhoods)))
        session.flush()
    if ref.point_id is not None and session.get(CollectionPoint, ref.point_id) is None:
        session.add(CollectionPoint(id=ref.point_id, code=f"{ref.point_code}-{ref.point_id}",
                                    name=ref.point_name, system_id=ref.system_id,
                                    kind=ref.point_kind, latitude=ref.latitude,
                                    longitude=ref.longitude, photos=[]))
        session.flush()
    s = session.get(Sample, ref.id)
    if s is None:
        day = ref.collected_at.date() if ref.collected_at else None
        s = Sample(id=ref.id, code=ref.code, state=state, point_id=ref.point_id,
                   system_id=ref.system_id, scheduled_for=day, planned_for=day,
                   collected_at=ref.collected_at, is_recoleta=ref.is_recoleta,
                   field_readings={})
        s.parameters = [SampleParameter(parameter_id=ensure_parameter(p).id) for p in params]
        session.add(s)
        session.flush()
    return s


_n = iter(range(1, 10_000))


def small_system(population: int = 12_000, source: str = "subterraneo", *,
                 user_id: int | None = None) -> dict:
    """Catalogue (seed_reference) + one system with an outlet, a reservoir and three network
    points chained outlet -> reservoir -> R1 -> R2 -> R3, built through the registry service."""
    from lims.seed import seed_reference
    from lims.services import registry

    seed_reference()
    n = next(_n)
    system = registry.save("sistemas", {
        "code": f"SIS-{n}", "name": f"Sistema {n}", "kind": "SAA",
        "population_served": str(population), "source_type": source,
        "treatment_type": "so_desinfeccao" if source == "subterraneo" else "filtracao_rapida",
        "neighbourhoods": "Centro, Jardim"}, user_id=user_id)
    pts = {}
    for code, kind, lat in (("POC", "poco", -22.89), ("SAI", "saida_tratamento", -22.90), ("RES", "reservatorio", -22.91),
                            ("R1", "rede", -22.92), ("R2", "rede", -22.93), ("R3", "ponta_de_rede", -22.94)):
        pts[code] = registry.save("pontos", {
            "code": f"P{n}-{code}", "name": f"Ponto {code}", "system_id": str(system.id),
            "kind": kind, "latitude": str(lat), "longitude": "-47,06", "neighbourhood": "Centro"},
            user_id=user_id)
    chain = ["SAI", "RES", "R1", "R2", "R3"]
    for i, code in enumerate(chain):
        registry.set_neighbours(pts[code].id, upstream=[pts[chain[i - 1]].id] if i else [],
                                downstream=[pts[chain[i + 1]].id] if i + 1 < len(chain) else [],
                                user_id=user_id)
    params = {p.code: p for p in session.scalars(select(Parameter))}
    return {"system": system, "points": pts, "params": params}


def full_plan(world: dict, year: int, *, network_per_point: int | None = None,
              user_id: int | None = None):  # type: ignore[no-untyped-def]
    """A draft plan meeting the minimum of a groundwater system (or below it when
    `network_per_point` is too small)."""
    from lims.services import plans

    pop = world["system"].population_served
    plan = plans.create_plan(world["system"].id, year, user_id=user_id)
    p, pts = world["params"], world["points"]

    def add(codes, point, freq, n=None):  # type: ignore[no-untyped-def]
        for c in codes:
            plans.set_item(plan.id, parameter_id=p[c].id, point_id=pts[point].id, frequency=freq,
                           custom_count=n, user_id=user_id)

    add(["turbidez", "cloro_residual_livre", "ph", "fluoreto"], "SAI", "2x_semana")
    add(["cor_aparente", "coliformes_totais", "escherichia_coli"], "SAI", "semanal")
    add(["gosto_odor"], "SAI", "trimestral")
    add(["turbidez", "cor_aparente", "ph"], "POC", "semestral")
    net = ["RES", "R1", "R2", "R3"]
    need = -(-max(pop // 1000 + (pop % 1000 > 0), 5) // len(net))
    for pt in net:
        add(["coliformes_totais", "escherichia_coli", "turbidez", "cloro_residual_livre",
             "cor_aparente"], pt, "personalizada", network_per_point or need)
    add(["trihalometanos_total", "acidos_haloaceticos_total"], "R3", "anual")
    # the half-yearly "demais parametros" and intake rows of the catalogue (issue 19)
    have = {(it.parameter_id, it.point_id) for it in plan.items}
    system = world["system"]
    place = {"saida": "SAI", "rede": "R3", "captacao": "POC"}
    for r in plans.dom.applicable(plans.minimum_rules_for(system), population=pop,
                                  source_type=system.source_type, traits=plans.traits_of(system)):
        if r.frequency == "semestral" and (p[r.parameter_code].id, pts[place[r.where]].id) not in have:
            add([r.parameter_code], place[r.where], "semestral")
    session.expire(plan, ["items"])
    return plan
