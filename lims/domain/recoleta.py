"""Recoleta (re-sampling) after a positive coliform result: pure planning.

518 Art. 11 (portaria888.md section 1): after a total-coliform (or E. coli) positive in the
distribution system, collect again on the next day(s) at least three samples: the same point,
one upstream (montante) and one downstream (jusante). A positive recoleta triggers another
round ("until the results are satisfactory"). At the treatment outlet the recoleta is the
same point only.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# point kinds of the distribution system (reservatorio e rede, pontos de consumo)
NETWORK_KINDS = frozenset({"reservatorio", "rede", "ponta_de_rede", "torneira"})
COLIFORM_CODES = frozenset({"coliformes_totais", "escherichia_coli"})


class Role(enum.StrEnum):
    SAME = "mesmo_ponto"
    UPSTREAM = "montante"
    DOWNSTREAM = "jusante"


@dataclass(frozen=True)
class PlannedRecoleta:
    point_id: int
    date: dt.date
    role: Role


def needs_recoleta(parameter_code: str, point_kind: str, positive: bool | None) -> bool:
    """Does this validated result call for a recoleta?"""
    return bool(positive) and parameter_code in COLIFORM_CODES and (
        point_kind in NETWORK_KINDS or point_kind == "saida_tratamento"
    )


def next_collection_day(after: dt.date, *, skip: Iterable[dt.date] = (),
                        weekend: bool = True) -> dt.date:
    """The next day on which the lab collects (weekend=False skips Saturday and Sunday)."""
    skip = set(skip)
    d = after + dt.timedelta(days=1)
    while d in skip or (not weekend and d.weekday() >= 5):
        d += dt.timedelta(days=1)
    return d


def plan(point_id: int, point_kind: str, result_date: dt.date, *,
         upstream: Sequence[int] = (), downstream: Sequence[int] = (),
         days: int = 1, weekend: bool = True, holidays: Iterable[dt.date] = ()) -> list[PlannedRecoleta]:
    """The recoleta samples for one positive: same point (+ upstream and downstream in the
    network) on each of the next `days` collection days. Neighbours come from the point
    registry; duplicates and the point itself are dropped."""
    if days < 1:
        raise ValueError("days deve ser >= 1")
    holidays = list(holidays)
    out: list[PlannedRecoleta] = []
    d = result_date
    for _ in range(days):
        d = next_collection_day(d, skip=holidays, weekend=weekend)
        out.append(PlannedRecoleta(point_id, d, Role.SAME))
        if point_kind in NETWORK_KINDS:
            seen = {point_id}
            for role, ids in ((Role.UPSTREAM, upstream), (Role.DOWNSTREAM, downstream)):
                for pid in ids:
                    if pid not in seen:
                        seen.add(pid)
                        out.append(PlannedRecoleta(pid, d, role))
    return out


def missing_neighbours(point_kind: str, upstream: Sequence[int],
                       downstream: Sequence[int]) -> list[str]:
    """Warnings when the registry lacks the neighbours the standard asks for."""
    if point_kind not in NETWORK_KINDS:
        return []
    msgs = []
    if not upstream:
        msgs.append("ponto sem vizinho a montante cadastrado")
    if not downstream:
        msgs.append("ponto sem vizinho a jusante cadastrado")
    return msgs
