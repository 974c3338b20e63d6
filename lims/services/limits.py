"""LIMS services: the one limit lookup every reader uses, and the monthly rules file.

Limits come only from the catalogue (lims_parameter's general limit and the scoped rows of
lims_parameter_limit, both Gestor-editable and audited); lims/data/compliance_rules.json keeps
only the monthly rules (percentages, tolerated positives, sums). Result entry, the preview,
validation, the closing, the reports and lims.api (invoices, the portal) all ask here, so the
website never shows a limit the lab did not judge by.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.db import session
from lims.data import reference
from lims.domain import compliance as comp
from lims.domain.limits import LimitKind, ScopedLimit, applicable, binding_limit, describe_all
from lims.domain.vmp import Limit
from lims.models.catalogue import Parameter, ParameterLimit
from lims.models.registry import SupplySystem

RULES_FILE = "compliance_rules.json"

SAIDA_KINDS = frozenset({"saida_tratamento"})
FILTERED_KINDS = frozenset({"agua_filtrada", "filtrada_combinada"})
REDE_KINDS = frozenset({"reservatorio", "rede", "ponta_de_rede", "torneira"})
# the point kind whose limits the outlet's samples are judged by when they stand in for
# filtered water (a plant without a filtered-water point)
FILTERED_STAND_IN_KIND = "filtrada_combinada"


def rules_data() -> dict[str, Any]:
    return reference(RULES_FILE)


def rules_version() -> str:
    return str(rules_data()["version"])


def category(point_kind: str | None) -> str | None:
    """Point kind -> the closing's point type: saida | filtrada | rede (None: not judged)."""
    if point_kind in SAIDA_KINDS:
        return "saida"
    if point_kind in FILTERED_KINDS:
        return "filtrada"
    if point_kind in REDE_KINDS:
        return "rede"
    return None


# -- the catalogue's limits ----------------------------------------------------------------------

@dataclass(frozen=True)
class ParameterLimits:
    code: str
    name: str
    unit: str
    limits: tuple[ScopedLimit, ...]  # the general one first, then the scoped ones

    def at(self, point_kind: str | None, treatment_type: str | None = None,
           disinfectant: str | None = None) -> tuple[ScopedLimit, ...]:
        return applicable(self.limits, point_kind, treatment_type, disinfectant)

    def text_at(self, point_kind: str | None, treatment_type: str | None = None,
                disinfectant: str | None = None) -> str:
        return describe_all(self.at(point_kind, treatment_type, disinfectant), self.unit)


def _dec(v: object) -> Decimal | None:
    """Decimal of a catalogue value without the column's padding (5.00000000 -> 5)."""
    if v is None:
        return None
    d = Decimal(str(v)).normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def general_of(p: Parameter) -> ScopedLimit | None:
    """The general limit stored on the catalogue's parameter row."""
    if p.vmp_min is None and p.vmp_max is None and not p.presence_absence:
        return None
    return ScopedLimit(LimitKind(p.limit_kind or "vmp"), _dec(p.vmp_min), _dec(p.vmp_max),
                       absence=bool(p.presence_absence), decimals=p.compare_decimals,
                       source=p.source or "", unverified=bool(p.unverified))


def scoped_of(row: ParameterLimit, decimals: int | None = None) -> ScopedLimit:
    return ScopedLimit(LimitKind(row.kind), _dec(row.minimum), _dec(row.maximum),
                       decimals=decimals, point_kinds=frozenset(row.point_kinds or ()),
                       treatment_types=frozenset(row.treatment_types or ()),
                       disinfectants=frozenset(row.disinfectants or ()),
                       source=row.source or "", unverified=bool(row.unverified))


def limits_of_parameter(p: Parameter) -> tuple[ScopedLimit, ...]:
    rows = session.scalars(select(ParameterLimit).where(
        ParameterLimit.parameter_code == p.code, ParameterLimit.active.is_(True))
        .order_by(ParameterLimit.id))
    general = general_of(p)
    return tuple(([general] if general else []) + [scoped_of(r, p.compare_decimals) for r in rows])


# Per unit of work, the catalogue's limits are read once per parameter (result entry asks for
# every result); any flush that touches a Parameter or ParameterLimit, a commit or a rollback
# forgets them.
_CACHE = "lims.limits"


def _cache() -> dict[str, ParameterLimits | None]:
    return session.info.setdefault(_CACHE, {})  # type: ignore[no-any-return]


@event.listens_for(Session, "before_flush")
def _forget_on_catalogue_change(sess: Session, _ctx: Any, _instances: Any) -> None:
    if _CACHE in sess.info and any(isinstance(o, (Parameter, ParameterLimit))
                                   for o in (*sess.new, *sess.dirty, *sess.deleted)):
        sess.info.pop(_CACHE, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(sess: Session, *_a: Any) -> None:
    sess.info.pop(_CACHE, None)


def parameter_limits(code: str) -> ParameterLimits | None:
    """Every limit of one parameter of the catalogue (None when not catalogued)."""
    cache = _cache()
    if code not in cache:
        p = session.scalars(select(Parameter).where(Parameter.code == code)).first()
        cache[code] = (None if p is None else
                       ParameterLimits(p.code, p.name, p.unit or "", limits_of_parameter(p)))
    return cache[code]


def many(codes: tuple[str, ...] | list[str] | set[str]) -> dict[str, ParameterLimits]:
    """parameter_limits for several codes: the ones this unit of work has not read yet in two
    queries (a year's report asks the same codes for every month)."""
    cache = _cache()
    missing = [c for c in dict.fromkeys(codes) if c not in cache]
    if missing:
        params = list(session.scalars(select(Parameter).where(Parameter.code.in_(missing))))
        rows: dict[str, list[ParameterLimit]] = {}
        for r in session.scalars(select(ParameterLimit).where(
                ParameterLimit.parameter_code.in_(missing), ParameterLimit.active.is_(True))
                .order_by(ParameterLimit.id)):
            rows.setdefault(r.parameter_code, []).append(r)
        cache.update(dict.fromkeys(missing))
        for p in params:
            general = general_of(p)
            lims = ([general] if general else []) + [scoped_of(r, p.compare_decimals)
                                                     for r in rows.get(p.code, [])]
            cache[p.code] = ParameterLimits(p.code, p.name, p.unit or "", tuple(lims))
    return {c: pl for c in dict.fromkeys(codes) if (pl := cache[c]) is not None}


def general_limit(code: str) -> Limit:
    """The binding limit that applies everywhere in distribution, as one plain Limit (the
    public site's and the invoice's "padrão"): general VMP plus the minimum of the default
    disinfectant where it applies in the network."""
    pl = parameter_limits(code)
    if pl is None:
        return Limit()
    return binding_limit(pl.at("rede", None, default_disinfectant()))


# -- the system's facts that choose the limits ---------------------------------------------------

@dataclass(frozen=True)
class SystemFacts:
    population: int = 0
    treatment_type: str = "filtracao_rapida"
    disinfectant: str = "cloro_livre"
    source_type: str = "superficial"


def default_disinfectant() -> str:
    return "cloro_livre"


def system_facts(system_id: int | None) -> SystemFacts:
    s = session.get(SupplySystem, system_id) if system_id is not None else None
    if s is None:
        return SystemFacts()
    return SystemFacts(s.population_served or 0, s.treatment_type or "filtracao_rapida",
                       s.disinfectant or default_disinfectant(), s.source_type or "superficial")


# -- the monthly rules ----------------------------------------------------------------------------

def residual_code(disinfectant: str) -> str:
    """The parameter whose residual the system's disinfectant requires (Art. 32)."""
    data = rules_data()["disinfectant_residual"]
    return str(data.get(disinfectant, data[default_disinfectant()]))


def residual_codes() -> frozenset[str]:
    return frozenset(v for k, v in rules_data()["disinfectant_residual"].items()
                     if not k.startswith("_"))


def other_residuals(disinfectant: str) -> frozenset[str]:
    """Residual parameters a system with this disinfectant is not required to analyse."""
    return residual_codes() - {residual_code(disinfectant)}


def sum_rules() -> tuple[comp.SumRule, ...]:
    return tuple(comp.SumRule(code=s["code"], name=s["name"], terms=tuple(s["terms"]),
                              maximum=Decimal(s.get("max", "1")),
                              censored_as=s.get("censored_as", "zero"),
                              source=s.get("source", ""), unverified=bool(s.get("unverified")))
                 for s in rules_data().get("sums", ()))


def sum_rules_with(code: str) -> tuple[comp.SumRule, ...]:
    return tuple(r for r in sum_rules() if code in r.terms)


def filtration_percent(treatment_type: str) -> tuple[Decimal, bool]:
    row = rules_data()["turbidity_filtration"]["percent"][treatment_type]
    return Decimal(row["percent"]), bool(row.get("unverified"))


def filtration_table(treatment_type: str) -> dict[str, tuple[Decimal, Decimal, bool]]:
    """{treatment: (vmp from the catalogue, percent from the rules, unverified)}."""
    code = rules_data()["turbidity_filtration"]["parameter"]
    pl = parameter_limits(code)
    lim = binding_limit(pl.at(FILTERED_STAND_IN_KIND, treatment_type)) if pl else Limit()
    pct, unv = filtration_percent(treatment_type)
    scoped_unverified = any(x.unverified for x in (pl.at(FILTERED_STAND_IN_KIND, treatment_type)
                                                   if pl else ()) if not x.general)
    if lim.maximum is None:
        return {}
    return {treatment_type: (lim.maximum, pct, unv or scoped_unverified)}


def monthly_rule_kind(code: str, cat: str) -> str:
    p = rules_data()["parameters"].get(code, {})
    kind = p.get("rule", "every")
    if isinstance(kind, dict):
        kind = kind.get(cat, "every")
    return str(kind)


def coliform_network() -> dict[str, Any]:
    """The numbers of the network coliform rule (lims.domain.compliance.network_coliforms),
    from the rules file: the population line, the positives tolerated below it, the percent
    from it up."""
    cn = rules_data()["coliform_network"]
    return {"population_line": int(cn["population_line"]),
            "max_positives_below": int(cn["max_positives_below"]),
            "percent_from": Decimal(cn["percent_from"])}


def rule_for(code: str, cat: str, *, population: int, treatment_type: str,
             outlet_stands_in: bool = False, limits_text: str | None = None) -> comp.MonthlyRule:
    """The monthly rule of one parameter at one point type (percentages from the rules file,
    limits from the catalogue)."""
    kind = monthly_rule_kind(code, cat)
    if kind == "coliform_network":
        return comp.coliform_network_rule(population, **coliform_network())
    if kind == "turbidity_filtration" and filtration_table(treatment_type):
        return comp.turbidity_filtration_rule(treatment_type, filtration_table(treatment_type),
                                              outlet_stands_in=outlet_stands_in)
    if limits_text is None:
        pl = parameter_limits(code)
        kind_point = {"saida": "saida_tratamento", "rede": "rede"}.get(cat, cat)
        limits_text = pl.text_at(kind_point, treatment_type) if pl else "sem VMP"
    return comp.every_sample(f"{limits_text} em todas as amostras")
