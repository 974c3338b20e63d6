"""The VMP check of one result: pure, no Flask, no SQLAlchemy.

Decisions (portaria888.md section 8):
- A result is a number, or a qualifier: "< LD", "< LQ" (censored: the true value is below the
  limit, it is neither zero nor the limit), or presence / absence for microbiology.
- "<= VMP" conforms, "> VMP" does not; for a minimum, ">= min" conforms ("< 0,2" fails).
- Comparison precision: by default the value AS REPORTED is compared exactly (0,055 against a
  VMP of 0,05 is over). A parameter may carry `decimals` (data, editable): the value is then
  rounded half-up to that many places before comparing (0,055 -> 0,06 with 2 places).
- A censored result conforms to a maximum when its limit (LD or LQ) is at or below the VMP;
  when the limit is above the VMP the check is undecidable (INDETERMINADO), never a pass.
  Against a minimum, "< limit" with limit <= minimum is a failure (no residual); with the
  limit above the minimum it is undecidable.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core import fmt


class Qualifier(enum.StrEnum):
    NONE = ""  # a plain number
    LT_LD = "<LD"
    LT_LQ = "<LQ"
    PRESENT = "PRESENCA"
    ABSENT = "AUSENCIA"


class Verdict(enum.StrEnum):
    CONFORMING = "conforme"
    NONCONFORMING = "nao_conforme"
    UNDETERMINED = "indeterminado"
    # outside a recommended range (pH): shown as such, never as "nao conforme"
    OUTSIDE_RECOMMENDATION = "fora_da_recomendacao"


@dataclass(frozen=True)
class Measurement:
    """One reported result."""

    value: Decimal | None = None
    qualifier: Qualifier = Qualifier.NONE
    ld: Decimal | None = None
    lq: Decimal | None = None

    @property
    def censored(self) -> bool:
        return self.qualifier in (Qualifier.LT_LD, Qualifier.LT_LQ)

    @property
    def limit(self) -> Decimal | None:
        """The detection/quantification limit a censored result is below."""
        if self.qualifier is Qualifier.LT_LD:
            return self.ld
        if self.qualifier is Qualifier.LT_LQ:
            return self.lq
        return None

    @property
    def positive(self) -> bool | None:
        """For presence/absence parameters: True when present, None when not decidable."""
        if self.qualifier is Qualifier.PRESENT:
            return True
        if self.qualifier is Qualifier.ABSENT or self.censored:
            return False
        if self.value is not None:
            return self.value > 0  # a count (NMP or UFC/100 mL) above zero is a presence
        return None


@dataclass(frozen=True)
class Limit:
    """A parameter's standard (from the catalogue data)."""

    maximum: Decimal | None = None
    minimum: Decimal | None = None
    absence: bool = False  # presence/absence: "Ausencia em 100 mL"
    decimals: int | None = None  # comparison precision; None = compare as reported


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    reason: str


def parse_decimal(text: str | None) -> Decimal | None:
    """Brazilian or dotted decimal text -> Decimal ("1.000,5" -> 1000.5, "0,35" -> 0.35)."""
    if text is None:
        return None
    s = str(text).strip().replace(" ", "")
    if not s:
        return None
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    try:
        d = Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(f"número inválido: {text!r}") from exc
    if not d.is_finite():
        raise ValueError(f"número inválido: {text!r}")
    return d


def parse_result(text: str) -> tuple[Decimal | None, Qualifier]:
    """Parse what an analyst types: "0,35", "< LD", "<lq", "ausente", "P", "presenca"."""
    s = (text or "").strip().upper().replace(" ", "")
    s = s.replace("Ê", "E").replace("Ç", "C").replace("Ã", "A")
    if not s:
        raise ValueError("resultado vazio")
    if s in {"<LD", "MENOR_LD", "ND", "N.D."}:
        return None, Qualifier.LT_LD
    if s in {"<LQ", "MENOR_LQ"}:
        return None, Qualifier.LT_LQ
    if s in {"A", "AUSENTE", "AUSENCIA", "NEGATIVO", "-"}:
        return None, Qualifier.ABSENT
    if s in {"P", "PRESENTE", "PRESENCA", "POSITIVO", "+"}:
        return None, Qualifier.PRESENT
    return parse_decimal(s), Qualifier.NONE


def digits(value: Decimal | None) -> int:
    """The decimal places a reported value carries ("0.050" -> 3): shown with all of them."""
    if value is None or not value.is_finite():
        return 0
    return max(0, -int(value.as_tuple().exponent))


def as_reported(value: Decimal | None) -> str:
    """A reported value in pt-BR with the digits it was reported with ("0.050" -> "0,050")."""
    return fmt.number(value, digits(value))


def describe_result(m: Measurement) -> str:
    if m.qualifier is Qualifier.PRESENT:
        return "Presente"
    if m.qualifier is Qualifier.ABSENT:
        return "Ausente"
    if m.qualifier is Qualifier.LT_LD:
        return "< LD"
    if m.qualifier is Qualifier.LT_LQ:
        return "< LQ"
    return as_reported(m.value)


@dataclass(frozen=True)
class LimitWords:
    """How a limit reads: the words around its numbers ({lo}, {hi}: the bounds as `number`
    writes them; the unit follows) and the words for a limit without bounds."""

    absence: str
    between: str
    at_least: str
    at_most: str
    unbounded: str
    number: Callable[[Decimal], str]


# staff pages and reports: the bounds with the digits the standard gives them
STAFF_WORDS = LimitWords("Ausência em 100 mL", "{lo} a {hi}", ">= {lo}", "<= {hi}", "sem VMP",
                         as_reported)
# the citizens' site: plain words, significant digits only ("no máximo 5 uT")
PLAIN_WORDS = LimitWords("deve estar ausente", "entre {lo} e {hi}", "no mínimo {lo}",
                         "no máximo {hi}", "sem limite definido",
                         lambda v: fmt.number(v, None))


def describe_limit(limit: Limit, unit: str = "", words: LimitWords = STAFF_WORDS) -> str:
    """The limit in `words`: "0,2 a 5,0 mg/L" (staff) or "entre 0,2 e 5 mg/L" (public)."""
    if limit.absence:
        return words.absence
    lo = words.number(limit.minimum) if limit.minimum is not None else None
    hi = words.number(limit.maximum) if limit.maximum is not None else None
    if lo is not None and hi is not None:
        text = words.between
    elif lo is not None:
        text = words.at_least
    elif hi is not None:
        text = words.at_most
    else:
        return words.unbounded
    return text.format(lo=lo, hi=hi) + (f" {unit}" if unit else "")


def _rounded(value: Decimal, decimals: int | None) -> Decimal:
    if decimals is None:
        return value
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _check_absence(m: Measurement) -> Check:
    pos = m.positive
    if pos is None:
        return Check(Verdict.UNDETERMINED, "resultado sem presenca/ausencia")
    if pos:
        return Check(Verdict.NONCONFORMING, "presença (VMP: ausência)")
    return Check(Verdict.CONFORMING, "ausencia")


def _check_censored(m: Measurement, limit: Limit) -> Check:
    """A "< LD" / "< LQ" result against a minimum or a maximum."""
    lim = m.limit
    name = "LD" if m.qualifier is Qualifier.LT_LD else "LQ"
    if lim is None:
        # the limit is unknown: below a maximum it can only be reported, never judged
        if limit.minimum is not None:
            return Check(Verdict.UNDETERMINED, f"< {name} sem o valor do {name}")
        return Check(Verdict.CONFORMING, f"< {name} (abaixo do limite do método)")
    if limit.minimum is not None:
        if lim <= limit.minimum:
            return Check(Verdict.NONCONFORMING, f"< {name} abaixo do mínimo")
        return Check(Verdict.UNDETERMINED, f"{name} acima do mínimo: não é possível decidir")
    if lim > limit.maximum:  # type: ignore[operator]
        return Check(Verdict.UNDETERMINED, f"{name} acima do VMP: não é possível decidir")
    return Check(Verdict.CONFORMING, f"< {name}")


def check(m: Measurement, limit: Limit) -> Check:
    """Does one result conform to its standard?"""
    if limit.absence:
        return _check_absence(m)
    if m.qualifier in (Qualifier.PRESENT, Qualifier.ABSENT):
        return Check(Verdict.UNDETERMINED, "presença/ausência informada para parâmetro numérico")
    if limit.maximum is None and limit.minimum is None:
        return Check(Verdict.CONFORMING, "parâmetro sem VMP")
    if m.censored:
        return _check_censored(m, limit)
    if m.value is None:
        return Check(Verdict.UNDETERMINED, "resultado sem valor")
    v = _rounded(m.value, limit.decimals)
    if limit.minimum is not None and v < limit.minimum:
        return Check(Verdict.NONCONFORMING, "abaixo do mínimo")
    if limit.maximum is not None and v > limit.maximum:
        return Check(Verdict.NONCONFORMING, "acima do VMP")
    return Check(Verdict.CONFORMING, "dentro do padrão")


def ratio_sum(nitrate: Measurement, vmp_nitrate: Decimal, nitrite: Measurement,
              vmp_nitrite: Decimal, *, censored_as: str = "zero") -> tuple[Decimal | None, Verdict]:
    """Art. 39: C_nitrato/VMP + C_nitrito/VMP <= 1 (see `ratio_sum_of`)."""
    return ratio_sum_of(((nitrate, vmp_nitrate), (nitrite, vmp_nitrite)),
                        censored_as=censored_as)


def ratio_sum_of(terms, *, censored_as: str = "zero",  # type: ignore[no-untyped-def]
                 maximum: Decimal = Decimal(1)) -> tuple[Decimal | None, Verdict]:
    """Sum of C/VMP over `terms` [(Measurement, vmp)] against `maximum` (Art. 39: <= 1).

    A censored term ("< LD"/"< LQ") enters as zero by default (the house convention, stated on
    the report); with censored_as="limit" it enters as its limit (upper bound), and a sum that
    only fails because of an upper bound is INDETERMINADO, not a failure.
    """
    lower = Decimal(0)  # censored terms as zero
    upper = Decimal(0)  # censored terms as their limit
    for m, vmp in terms:
        if m.censored:
            if m.limit is not None:
                upper += m.limit / vmp
        elif m.value is None:
            return None, Verdict.UNDETERMINED
        else:
            lower += m.value / vmp
            upper += m.value / vmp
    if lower > maximum:
        return lower, Verdict.NONCONFORMING
    if censored_as == "limit" and upper > maximum:
        return upper, Verdict.UNDETERMINED
    return (upper if censored_as == "limit" else lower), Verdict.CONFORMING


def plausible(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    """Is a typed value inside the instrument's plausible range (else ask to confirm)?"""
    if value is None:
        return True
    if low is not None and value < low:
        return False
    return not (high is not None and value > high)
