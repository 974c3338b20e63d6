"""The plan generator: from a system's population served, source, treatment, disinfectant and
points, the year's minimum sampling plan (parameter x point x frequency), built from the
standard's minimums as data (`MinimumRule`, the editable lims_sampling_minimum rows) so that
the minimum check (lims.domain.plans.check_minimum) finds no shortfall; and the difference
between two plans (the Gestor's edits, or the proposal for a new population). Pure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from lims.domain import plans as dom
from lims.domain.coverage import NetworkPoint, priority, spread_in_sector

# what a system may have that makes a conditional minimum apply (lims_sampling_minimum.condition);
# "desinfetante:<x>" is derived from the system's disinfectant
TRAITS = {
    "rede_pvc": "Rede de distribuição com tubulação de PVC",
    "polimero": "Usa polímero (poliacrilamida) no tratamento",
    "ozonio": "Usa ozônio (pré-oxidação ou desinfecção)",
    "cianobacterias_20mil": "Cianobactérias no manancial acima de 20.000 células/mL",
    "ecoli_media_1000": "Média geométrica móvel de E. coli na captação de 1.000/100 mL ou mais",
}
NETWORK_KINDS = ("reservatorio", "rede", "ponta_de_rede", "torneira")
MONTHLY = (dom.Frequency.MONTHLY, dom.Frequency.CUSTOM)


def system_traits(disinfectant: str | None, traits: Iterable[str] = ()) -> frozenset[str]:
    return frozenset(traits) | {f"desinfetante:{disinfectant or 'cloro_livre'}"}


# -- the catalogue's rows ---------------------------------------------------------------------

def minimum_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every sampling-minimum row of the catalogue file: `minimums`, `extra_minimums` and the
    per-parameter expansion of `group_minimums` (the "demais parametros": every parameter of
    the groups whose `applies` fits the place and that has no row of its own there)."""
    rows = list(data.get("minimums", ())) + list(data.get("extra_minimums", ()))
    explicit = {(r["code"], r["where"]) for r in rows}
    for g in data.get("group_minimums", ()):
        fits = ("todos",) if g["where"] == "captacao" else ("todos", g["where"])
        for p in data.get("parameters", ()):
            if (p["group"] in g["groups"] and p.get("applies", "todos") in fits
                    and p["code"] not in g.get("exclude", ())
                    and (p["code"], g["where"]) not in explicit):
                rows.append({k: v for k, v in g.items() if k not in ("groups", "exclude")}
                            | {"code": p["code"], "pop_min": 0})
    return rows


def rule_of_row(row: dict[str, Any]) -> dom.MinimumRule:
    return dom.MinimumRule(parameter_code=row["code"], where=row["where"],
                           frequency=dom.Frequency(row["freq"]), base=row.get("base", 1),
                           per_inhabitants=row.get("per"), cap=row.get("cap"),
                           pop_min=row.get("pop_min", 0), pop_max=row.get("pop_max"),
                           source_type=row.get("source", "*"),
                           system_kind=row.get("system", "SAA"), source=row.get("tag", ""),
                           unverified=bool(row.get("unverified")),
                           condition=row.get("condition") or "")


@dataclass(frozen=True)
class Companion:
    """A parameter analysed on the same network samples as another (E. coli on every coliform
    sample; heterotrophic bacteria on a fraction of them)."""

    code: str
    follows: str
    where: str
    fraction: Decimal
    source: str = ""
    unverified: bool = False


def companions_of(data: dict[str, Any]) -> list[Companion]:
    return [Companion(c["code"], c["follows"], c["where"], Decimal(str(c["fraction"])),
                      c.get("tag", ""), bool(c.get("unverified")))
            for c in data.get("companions", ())]


# -- the proposal -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PointSpec(NetworkPoint):
    """A collection point as the generator sees it (any kind; `where` from the kind)."""

    @property
    def where(self) -> str:
        return dom.where_of(self.kind)


@dataclass(frozen=True)
class Proposed:
    parameter_code: str
    point_id: int
    where: str
    frequency: dom.Frequency
    custom_count: int | None = None
    start_month: int = 1
    sources: tuple[str, ...] = ()
    unverified: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return self.parameter_code, self.point_id

    @property
    def shape(self) -> tuple[str, int | None, int]:
        return str(self.frequency), self.custom_count, self.start_month

    def planned(self) -> dom.PlannedItem:
        return dom.PlannedItem(self.parameter_code, self.where, self.frequency,
                               self.custom_count, self.start_month)

    def per_year(self, year: int) -> int:
        return sum(dom.count(self.frequency, year, m, custom_count=self.custom_count,
                             start_month=self.start_month) for m in range(1, 13))


@dataclass(frozen=True)
class Proposal:
    items: tuple[Proposed, ...]
    rules: tuple[dom.MinimumRule, ...]  # the rules it was built from (cited on the page)
    notes: tuple[str, ...]  # what it could not do (no point of a kind, too few points)

    def planned(self) -> list[dom.PlannedItem]:
        return [i.planned() for i in self.items]

    def totals(self, year: int) -> dict[str, int]:
        """Samples a year per parameter, all points together."""
        out: dict[str, int] = defaultdict(int)
        for i in self.items:
            out[i.parameter_code] += i.per_year(year)
        return dict(out)


def _targets(rule: dom.MinimumRule, points: Sequence[PointSpec]) -> list[PointSpec]:
    here = [p for p in points if p.where == rule.where]
    if rule.where == "captacao":  # a surface rule at the surface intakes, a groundwater one at wells
        kind = {"superficial": "captacao", "subterraneo": "poco"}.get(rule.source_type)
        preferred = [p for p in here if p.kind == kind]
        return preferred or here
    return here


def _network_order(points: Sequence[PointSpec]) -> list[PointSpec]:
    return sorted(points, key=priority)


def _items_for(rule: dom.MinimumRule, n: int, targets: list[PointSpec],
               network: Callable[[int], dict[int, int]]) -> tuple[list[Proposed], str]:
    def item(p: PointSpec, freq: dom.Frequency, k: int | None = None) -> Proposed:
        if freq is dom.Frequency.CUSTOM and k == 1:
            freq, k = dom.Frequency.MONTHLY, None
        return Proposed(rule.parameter_code, p.id, rule.where, freq, k,
                        sources=(rule.source,), unverified=rule.unverified)

    by_id = {p.id: p for p in targets}
    if rule.where == "rede" and rule.frequency in MONTHLY:
        shares = network(n)
        return [item(by_id[pid], dom.Frequency.CUSTOM, k) for pid, k in sorted(shares.items())
                if k and pid in by_id], ""
    if rule.where == "rede":  # periodic network samples: at the far ends first
        chosen = _network_order(targets)[:n]
        short = "" if len(chosen) >= n else (f"{rule.parameter_code}: {n} ponto(s) de rede "
                                             f"exigido(s), {len(chosen)} cadastrado(s)")
        return [item(p, rule.frequency) for p in chosen], short
    if n == 1:  # every outlet / intake (each treatment unit, each source)
        return [item(p, rule.frequency) for p in targets], ""
    if rule.frequency in MONTHLY:
        return [item(p, dom.Frequency.CUSTOM, math.ceil(n / len(targets))) for p in targets], ""
    return [item(p, rule.frequency) for p in targets], (
        f"{rule.parameter_code}: {n} amostras por ocorrência em {rule.where}; ajuste à mão")


def _merge(a: Proposed, b: Proposed, year: int) -> Proposed:
    """One line per (parameter, point): the one sampling more, citing both rules."""
    keep = a if a.per_year(year) >= b.per_year(year) else b
    return replace(keep, sources=tuple(dict.fromkeys(a.sources + b.sources)),
                   unverified=a.unverified or b.unverified)


def propose(rules: Iterable[dom.MinimumRule], points: Sequence[PointSpec], *, population: int,
            source_type: str, system_kind: str = "SAA", traits: Iterable[str] = (),
            year: int = 2026, network: Callable[[int], dict[int, int]] | None = None,
            companions: Sequence[Companion] = ()) -> Proposal:
    """The minimum plan. Monthly network rules are spread by `network` (n -> {point: count};
    by default evenly over the network points, ends first: see lims.domain.coverage)."""
    used = dom.applicable(rules, population=population, source_type=source_type,
                          system_kind=system_kind, traits=traits)
    net = [p for p in points if p.where == "rede"]
    network = network or (lambda n: spread_in_sector(n, net))
    out: dict[tuple[str, int], Proposed] = {}
    notes: list[str] = []
    for rule in sorted(used, key=lambda r: (r.where, r.parameter_code)):
        targets = _targets(rule, points)
        if not targets:
            notes.append(f"{rule.parameter_code}: nenhum ponto de {rule.where} cadastrado")
            continue
        made, short = _items_for(rule, dom.per_occurrence(rule, population), targets, network)
        notes += [short] if short else []
        for it in made:
            out[it.key] = _merge(out[it.key], it, year) if it.key in out else it
    for c in companions:
        _add_companion(out, c)
    items = tuple(sorted(out.values(), key=lambda i: (i.where, i.point_id, i.parameter_code)))
    return Proposal(items, tuple(used), tuple(notes))


def _add_companion(out: dict[tuple[str, int], Proposed], c: Companion) -> None:
    """ceil(fraction x the followed monthly samples), on the followed points, busiest first."""
    followed = sorted((x for x in out.values() if x.parameter_code == c.follows
                       and x.where == c.where and x.frequency in MONTHLY),
                      key=lambda x: (-(x.custom_count or 1), x.point_id))
    total = sum(x.custom_count or 1 for x in followed)
    want = math.ceil(total * c.fraction)
    share = {x.point_id: 0 for x in followed}
    while want > 0 and followed:
        for x in followed:
            if want and share[x.point_id] < (x.custom_count or 1):
                share[x.point_id] += 1
                want -= 1
    for x in followed:
        k = share[x.point_id]
        if k and (c.code, x.point_id) not in out:
            freq = dom.Frequency.MONTHLY if k == 1 else dom.Frequency.CUSTOM
            out[(c.code, x.point_id)] = Proposed(c.code, x.point_id, c.where, freq,
                                                 k if k > 1 else None, 1, (c.source,),
                                                 c.unverified)


# -- differences ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    kind: str  # "nova" | "removida" | "alterada"
    parameter_code: str
    point_id: int
    where: str
    before: tuple[str, int | None, int] | None  # (frequency, custom_count, start_month)
    after: tuple[str, int | None, int] | None


def diff(before: Iterable[Proposed], after: Iterable[Proposed]) -> list[Change]:
    """Lines added, removed or changed from `before` to `after`, by (parameter, point)."""
    old = {i.key: i for i in before}
    new = {i.key: i for i in after}
    out = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            out.append(Change("nova", key[0], key[1], b.where, None, b.shape))
        elif b is None and a is not None:
            out.append(Change("removida", key[0], key[1], a.where, a.shape, None))
        elif a is not None and b is not None and a.shape != b.shape:
            out.append(Change("alterada", key[0], key[1], b.where, a.shape, b.shape))
    return out


def to_json(items: Iterable[Proposed]) -> list[dict[str, Any]]:
    return [{"parameter": i.parameter_code, "point_id": i.point_id, "where": i.where,
             "frequency": str(i.frequency), "custom_count": i.custom_count,
             "start_month": i.start_month} for i in items]


def from_json(rows: Iterable[dict[str, Any]]) -> list[Proposed]:
    return [Proposed(r["parameter"], int(r["point_id"]), r["where"],
                     dom.Frequency(r["frequency"]), r.get("custom_count"),
                     int(r.get("start_month") or 1)) for r in rows]
