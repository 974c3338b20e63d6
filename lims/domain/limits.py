"""The limits of a parameter with what they are and where they apply: pure, no SQLAlchemy.

A parameter's catalogue entry carries its general standard (the VMP of Anexos 1, 9, 10, 11, or
the recommended range of pH) and any number of scoped limits (lims_parameter_limit): the
post-filtration turbidity per treatment type at the filtered-water points (Anexo 2), the
disinfectant residual minimum per disinfectant throughout distribution (Art. 32), the
recommended maximum of free chlorine. Every limit says:

- its kind: VMP (a maximum and/or presence-absence), minimum (Art. 32), recommended range
  (pH: a recommendation, never "não conforme"), or operational target (the utility's own);
- its scope: point kinds, treatment types, disinfectants (empty = everywhere);
- its source tag and whether the reference marks it UNVERIFIED.

`applicable` picks the limits of one sample's context, `check_all` judges one result against
them: a VMP or minimum breach is NAO_CONFORME, a recommended-range breach is
FORA_DA_RECOMENDACAO, an operational-target breach stays CONFORME with a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.enums import LabelledStrEnum
from lims.domain.vmp import Check, Limit, Measurement, Verdict, as_reported, check


class LimitKind(LabelledStrEnum):
    VMP = "vmp", "VMP"
    MINIMUM = "minimo", "Mínimo"
    RECOMMENDED_RANGE = "faixa_recomendada", "Faixa recomendada"
    OPERATIONAL_TARGET = "meta_operacional", "Meta operacional"


# kinds that decide conformity with the standard
BINDING = frozenset({LimitKind.VMP, LimitKind.MINIMUM})


class Disinfectant(LabelledStrEnum):
    FREE_CHLORINE = "cloro_livre", "Cloro livre (cloro gás / hipoclorito)"
    CHLORAMINE = "cloramina", "Cloramina (cloro residual combinado)"
    CHLORINE_DIOXIDE = "dioxido_de_cloro", "Dióxido de cloro"


@dataclass(frozen=True)
class ScopedLimit:
    """One limit of one parameter (general when every scope set is empty)."""

    kind: LimitKind
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    absence: bool = False
    decimals: int | None = None
    point_kinds: frozenset[str] = frozenset()
    treatment_types: frozenset[str] = frozenset()
    disinfectants: frozenset[str] = frozenset()
    source: str = ""
    unverified: bool = False

    @property
    def general(self) -> bool:
        return not (self.point_kinds or self.treatment_types or self.disinfectants)

    def applies(self, point_kind: str | None, treatment_type: str | None,
                disinfectant: str | None) -> bool:
        return ((not self.point_kinds or point_kind in self.point_kinds)
                and (not self.treatment_types or treatment_type in self.treatment_types)
                and (not self.disinfectants or disinfectant in self.disinfectants))

    def as_limit(self) -> Limit:
        return Limit(maximum=self.maximum, minimum=self.minimum, absence=self.absence,
                     decimals=self.decimals)

    def describe(self, unit: str = "") -> str:
        u = f" {unit}" if unit else ""
        if self.absence:
            text = "Ausência em 100 mL"
        elif self.minimum is not None and self.maximum is not None:
            text = f"{as_reported(self.minimum)} a {as_reported(self.maximum)}{u}"
        elif self.minimum is not None:
            text = f">= {as_reported(self.minimum)}{u}"
        elif self.maximum is not None:
            text = f"<= {as_reported(self.maximum)}{u}"
        else:
            return ""
        if self.kind is LimitKind.VMP:
            return text
        return f"{LimitKind(self.kind).label.lower()} {text}"


def applicable(limits: Iterable[ScopedLimit], point_kind: str | None,
               treatment_type: str | None = None,
               disinfectant: str | None = None) -> tuple[ScopedLimit, ...]:
    """The limits that apply to a sample taken at `point_kind` of a system with this
    treatment and disinfectant (general ones always, scoped ones when the scope matches)."""
    return tuple(x for x in limits if x.applies(point_kind, treatment_type, disinfectant))


def describe_all(limits: Iterable[ScopedLimit], unit: str = "") -> str:
    texts = [t for t in (x.describe(unit) for x in limits) if t]
    return "; ".join(dict.fromkeys(texts)) or "sem VMP"


def binding_limit(limits: Iterable[ScopedLimit]) -> Limit:
    """The tightest VMP/minimum of `limits` as one plain Limit (for charts and the portal)."""
    lo: Decimal | None = None
    hi: Decimal | None = None
    absence = False
    decimals = None
    for x in limits:
        if x.kind not in BINDING:
            continue
        absence = absence or x.absence
        decimals = x.decimals if x.decimals is not None else decimals
        if x.minimum is not None:
            lo = x.minimum if lo is None else max(lo, x.minimum)
        if x.maximum is not None:
            hi = x.maximum if hi is None else min(hi, x.maximum)
    return Limit(maximum=hi, minimum=lo, absence=absence, decimals=decimals)


def check_all(m: Measurement, limits: Iterable[ScopedLimit], unit: str = "") -> Check:
    """Judge one result against every limit that applies to it."""
    limits = tuple(limits)
    if not limits:
        return Check(Verdict.CONFORMING, "parâmetro sem VMP")
    binding = [x for x in limits if x.kind in BINDING]
    checks = [(x, check(m, x.as_limit())) for x in binding]
    for x, c in checks:
        if c.verdict is Verdict.NONCONFORMING:
            what = "mínimo" if x.kind is LimitKind.MINIMUM and c.reason.startswith("abaixo") else "VMP"
            reason = c.reason if what == "VMP" else f"abaixo do mínimo ({x.describe(unit)})"
            return Check(Verdict.NONCONFORMING, reason)
    for _x, c in checks:
        if c.verdict is Verdict.UNDETERMINED:
            return c
    for x in limits:
        if x.kind is LimitKind.RECOMMENDED_RANGE:
            c = check(m, x.as_limit())
            if c.verdict is Verdict.NONCONFORMING:
                return Check(Verdict.OUTSIDE_RECOMMENDATION,
                             f"fora da faixa recomendada ({x.describe(unit)}; recomendação, "
                             "não VMP)")
    notes = []
    for x in limits:
        if x.kind is LimitKind.OPERATIONAL_TARGET and check(m, x.as_limit()).verdict is Verdict.NONCONFORMING:
            notes.append(f"fora da meta operacional ({x.describe(unit)})")
    base = checks[0][1].reason if checks else "dentro da faixa recomendada"
    return Check(Verdict.CONFORMING, "; ".join([base, *notes]))
