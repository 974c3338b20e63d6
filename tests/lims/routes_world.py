"""A small water system for the route / collection / reception tests: one SAA, points in
three neighbourhoods with coordinates, parameters with their bottles, samples of one day."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from sqlalchemy import select

from core.db import session
from lims.models.catalogue import BottleType, Parameter, Preservative
from lims.models.registry import CollectionPoint, SupplySystem

_n = itertools.count(1)

# (code, name, neighbourhood, lat, lon): Centro near the ETA, Jardim to the north, Vila east
POINTS = (
    ("C1", "Praca da Matriz", "Centro", -22.9000, -47.0600),
    ("C2", "Escola Estadual", "Centro", -22.9030, -47.0640),
    ("C3", "Mercado Municipal", "Centro", -22.8985, -47.0575),
    ("J1", "Posto de Saúde Jardim", "Jardim Europa", -22.8700, -47.0610),
    ("J2", "Ponta de rede Rua 8", "Jardim Europa", -22.8650, -47.0660),
    ("V1", "Reservatório Vila Nova", "Vila Nova", -22.9050, -47.0200),
    ("V2", "Creche Vila Nova", "Vila Nova", -22.9080, -47.0150),
    ("X1", "Chacara sem coordenada", "", None, None),
)


@dataclass
class World:
    system: SupplySystem
    points: dict[str, CollectionPoint]
    params: dict[str, Parameter]
    day: dt.date
    samples: list = field(default_factory=list)


def _get_or_add(model, code: str, **kw):  # type: ignore[no-untyped-def]
    obj = session.scalars(select(model).where(model.code == code)).first()
    if obj is None:
        obj = model(code=code, **kw)
        session.add(obj)
        session.flush()
    return obj


def make_world(day: dt.date = dt.date(2026, 12, 3), *, with_samples: bool = True) -> World:
    n = next(_n)
    sterile = _get_or_add(BottleType, "t-esteril-100", name="Frasco esteril 100 mL",
                          volume_ml=100, material="PP")
    pe = _get_or_add(BottleType, "t-pe-500", name="Frasco PE 500 mL", volume_ml=500, material="PE")
    thio = _get_or_add(Preservative, "t-tiossulfato", name="Tiossulfato de sódio")
    params = {
        "cloro": _get_or_add(Parameter, "t_cloro_residual_livre", name="Cloro residual livre",
                             group="operacional", unit="mg/L", method="DPD colorimétrico",
                             field_reading=True),
        "turbidez": _get_or_add(Parameter, "t_turbidez", name="Turbidez", group="organoleptico",
                                unit="uT", method="SMEWW 2130 B", bottle_type_id=pe.id,
                                volume_ml=500),
        "ct": _get_or_add(Parameter, "t_coliformes_totais", name="Coliformes totais",
                          group="microbiologico", method="Substrato cromogênico",
                          presence_absence=True, bottle_type_id=sterile.id,
                          preservative_id=thio.id, volume_ml=100),
        "ec": _get_or_add(Parameter, "t_escherichia_coli", name="Escherichia coli",
                          group="microbiologico", method="Substrato cromogênico",
                          presence_absence=True, bottle_type_id=sterile.id,
                          preservative_id=thio.id, volume_ml=100),
    }
    system = SupplySystem(code=f"TSAA{n}", name=f"SAA Teste {n}", kind="SAA",
                          population_served=42000, latitude=-22.9010, longitude=-47.0500,
                          neighbourhoods=["Centro", "Jardim Europa", "Vila Nova"])
    session.add(system)
    session.flush()
    points = {}
    for code, name, hood, lat, lon in POINTS:
        p = CollectionPoint(code=f"T{n}-{code}", name=name, system_id=system.id, kind="rede",
                            address=f"Rua {name}, {10 * len(points) + 5}", neighbourhood=hood or None,
                            latitude=lat, longitude=lon)
        session.add(p)
        points[code] = p
    session.flush()
    session.commit()
    world = World(system, points, params, day)
    if with_samples:
        add_samples(world, day)
    return world


def add_samples(world: World, day: dt.date, codes=None):  # type: ignore[no-untyped-def]
    from lims.services import samples as sample_svc

    ps = world.params
    made = []
    for code in codes or [c for c, *_ in POINTS]:
        ids = [ps["cloro"].id, ps["turbidez"].id, ps["ct"].id, ps["ec"].id]
        s = sample_svc.create_sample(world.points[code].id, day, ids, reason="teste de rota")
        made.append(s)
    world.samples += made
    return made
