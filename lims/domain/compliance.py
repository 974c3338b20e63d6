"""Monthly compliance of one parameter at one point type: pure functions.

Every threshold (the 20,000-people line, the one tolerated positive, the 95 %, the turbidity
percent per treatment type) arrives as data (`MonthlyRule`), built by the closing service from
the parameter catalogue; nothing regulatory is a constant here.

House rules (portaria888.md sections 1, 2 and 8):
- Recoletas are excluded from the monthly counts and percentages (518 Art. 11 par. 4).
- A non-conforming recoleta is never tolerated: it fails the month whatever the allowance.
- A negative recoleta never clears the original positive: the original stays counted.
- "< LD" conforms (see vmp.check); a result whose LQ is above the VMP is undecidable, and the
  month is INDETERMINADO only when the undecidable results could change the verdict.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core import fmt
from core.enums import LabelledStrEnum
from lims.domain.vmp import Measurement, Verdict, ratio_sum_of


class RuleKind(enum.StrEnum):
    EVERY_SAMPLE = "todas_as_amostras"  # E. coli, CT at the outlet, chlorine range, turbidity net
    MAX_POSITIVES = "maximo_nao_conformes"  # CT in the network below the population line
    PERCENT = "percentual"  # CT in the network from the line up; post-filtration turbidity


class MonthVerdict(LabelledStrEnum):
    CONFORMING = "conforme", "Conforme"
    NONCONFORMING = "nao_conforme", "Não conforme"
    NO_DATA = "sem_dados", "Sem dados"
    UNDETERMINED = "indeterminado", "Indeterminado"
    # a recommended range (pH, free chlorine <= 2 mg/L) was left: never "nao conforme"
    OUTSIDE_RECOMMENDATION = "fora_da_recomendacao", "Fora da faixa recomendada"


VERDICT_LABELS = MonthVerdict.labels()


@dataclass(frozen=True)
class MonthlyRule:
    kind: RuleKind
    text: str  # the rule in words, shown on the pre-closing report
    max_nonconforming: int = 0  # MAX_POSITIVES
    percent: Decimal | None = None  # PERCENT: minimum % of conforming samples
    unverified: bool = False  # the threshold is UNVERIFIED data (shown as such)


@dataclass(frozen=True)
class Outcome:
    """One analysed result of the month, already checked against its VMP."""

    verdict: Verdict
    is_recoleta: bool = False
    sample_id: int | None = None


@dataclass(frozen=True)
class MonthResult:
    verdict: MonthVerdict
    analysed: int  # counted samples (recoletas excluded)
    conforming: int
    nonconforming: int
    undecidable: int
    recoletas: int
    recoleta_nonconforming: int
    reason: str

    @property
    def percent_conforming(self) -> Decimal | None:
        if not self.analysed:
            return None
        return (Decimal(self.conforming) * 100 / self.analysed).quantize(Decimal("0.1"))


def every_sample(text: str = "Conforme em todas as amostras") -> MonthlyRule:
    return MonthlyRule(RuleKind.EVERY_SAMPLE, text)


def coliform_network_rule(population: int, *, population_line: int, max_positives_below: int,
                          percent_from: Decimal) -> MonthlyRule:
    """Total coliforms in the distribution system (Anexo 1): the population served decides."""
    line = fmt.integer(population_line)
    if population < population_line:
        n = max_positives_below
        return MonthlyRule(
            RuleKind.MAX_POSITIVES,
            f"No máximo {n} amostra(s) positiva(s) no mês (população abastecida < {line} hab.)",
            max_nonconforming=n,
        )
    pct = fmt.number(percent_from, None)
    return MonthlyRule(
        RuleKind.PERCENT,
        f"Ausência em {pct}% das amostras examinadas no mês (população >= {line} hab.)",
        percent=percent_from,
    )


def network_coliforms(population: int, outcomes: Sequence[Outcome], *, population_line: int,
                      max_positives_below: int, percent_from: Decimal
                      ) -> tuple[MonthlyRule, MonthResult]:
    """THE network coliform rule (Anexo 1, total coliforms in distribution): from the population
    line up, absence in `percent_from` % of the month's samples; below it, at most
    `max_positives_below` positive sample(s) in the month. The numbers are data (the rules
    file). Population not registered (0): judged under both bands; when they disagree the
    month is undecided."""
    rule = coliform_network_rule(population, population_line=population_line,
                                 max_positives_below=max_positives_below,
                                 percent_from=percent_from)
    res = evaluate(rule, outcomes)
    if population:
        return rule, res
    big = coliform_network_rule(10**9, population_line=population_line,
                                max_positives_below=max_positives_below,
                                percent_from=percent_from)
    if evaluate(big, outcomes).verdict is not res.verdict:
        res = MonthResult(MonthVerdict.UNDETERMINED, res.analysed, res.conforming,
                          res.nonconforming, res.undecidable, res.recoletas,
                          res.recoleta_nonconforming,
                          "população abastecida não cadastrada: as duas faixas "
                          "da Portaria dao resultados diferentes")
    return MonthlyRule(rule.kind, "População abastecida não cadastrada: " + rule.text + " / "
                       + big.text, rule.max_nonconforming, rule.percent, unverified=True), res


def turbidity_filtration_rule(treatment_type: str,
                              table: Mapping[str, tuple[Decimal, Decimal, bool]], *,
                              outlet_stands_in: bool = False) -> MonthlyRule:
    """Post-filtration turbidity (Anexo 2): `table[treatment] = (vmp, percent, unverified)`,
    the VMP from the catalogue's scoped limit, the percent from the monthly rules file.
    `outlet_stands_in`: the plant has no filtered-water point, its outlet samples are judged
    in their place, and the rule's text says so."""
    if treatment_type not in table:
        raise KeyError(f"sem regra de turbidez pos-filtracao para {treatment_type!r}")
    vmp, pct, unverified = table[treatment_type]
    label = TREATMENT_WORDS.get(treatment_type, treatment_type)
    text = f"<= {fmt.number(vmp, None)} uT em {fmt.number(pct, None)}% das amostras do mês ({label})"
    if outlet_stands_in:
        text += ("; sem ponto de água filtrada: as amostras da saída do tratamento "
                 "substituem a água filtrada")
    if unverified:
        text += " [NÃO VERIFICADO]"
    return MonthlyRule(RuleKind.PERCENT, text, percent=pct, unverified=unverified)


TREATMENT_WORDS = {"filtracao_rapida": "filtração rápida", "filtracao_lenta": "filtração lenta",
                   "membrana": "filtração em membrana", "so_desinfeccao": "só desinfecção"}


@dataclass(frozen=True)
class SumRule:
    """A sum of ratios to the VMPs (Art. 39: C_nitrato/VMP + C_nitrito/VMP <= 1), as data."""

    code: str
    name: str
    terms: tuple[str, ...]
    maximum: Decimal = Decimal(1)
    censored_as: str = "zero"  # how a "< LD" term enters the sum (stated on the report)
    source: str = ""
    unverified: bool = False

    @property
    def text(self) -> str:
        conv = ("'< LD' conta como zero" if self.censored_as == "zero"
                else "'< LD' conta como o limite")
        return (f"Soma das razões C/VMP <= {fmt.number(self.maximum, None)} em todas as amostras "
                f"({conv})")


def sum_of_sample(rule: SumRule, terms: Mapping[str, tuple[Measurement, Decimal | None]]
                  ) -> tuple[Decimal | None, Verdict] | None:
    """The sum rule for one sample: None while a term is missing (or has no VMP)."""
    pairs = []
    for code in rule.terms:
        if code not in terms or terms[code][1] is None:
            return None
        pairs.append(terms[code])
    return ratio_sum_of(pairs, censored_as=rule.censored_as, maximum=rule.maximum)


def sum_outcomes(rule: SumRule, samples: Mapping[int, tuple[bool, Mapping[str, tuple[
        Measurement, Decimal | None]]]]) -> list[Outcome]:
    """One Outcome per sample that has every term: `samples[id] = (is_recoleta, terms)`."""
    out = []
    for sid, (reco, terms) in samples.items():
        got = sum_of_sample(rule, terms)
        if got is not None:
            out.append(Outcome(got[1], reco, sid))
    return out


def _every_sample(bad: int, und: int) -> tuple[MonthVerdict, str]:
    if bad:
        return MonthVerdict.NONCONFORMING, f"{bad} amostra(s) fora do padrão"
    if und:
        return MonthVerdict.UNDETERMINED, f"{und} resultado(s) indeterminado(s)"
    return MonthVerdict.CONFORMING, "todas as amostras no padrão"


def _max_positives(m: int, bad: int, und: int) -> tuple[MonthVerdict, str]:
    if bad > m:
        return MonthVerdict.NONCONFORMING, f"{bad} amostras fora do padrão (máximo {m})"
    if bad + und > m:
        return (MonthVerdict.UNDETERMINED,
                f"{und} resultado(s) indeterminado(s) podem exceder o máximo de {m}")
    return MonthVerdict.CONFORMING, f"{bad} amostra(s) fora do padrão (máximo {m})"


def _percent(percent: Decimal, n: int, ok: int, und: int) -> tuple[MonthVerdict, str]:
    """conforming * 100 >= percent * n, exact (no float)."""
    def meets(k: int) -> bool:
        return Decimal(k) * 100 >= percent * n

    pct = fmt.number(percent, None)
    if meets(ok):
        return MonthVerdict.CONFORMING, f"{ok} de {n} amostras no padrão (mínimo {pct}%)"
    if not meets(ok + und):
        return MonthVerdict.NONCONFORMING, f"{ok} de {n} amostras no padrão (mínimo {pct}%)"
    return (MonthVerdict.UNDETERMINED,
            f"{und} resultado(s) indeterminado(s) decidem o mínimo de {pct}%")


def evaluate(rule: MonthlyRule, outcomes: Iterable[Outcome]) -> MonthResult:
    """The month's verdict for one parameter under `rule`."""
    counted = list(outcomes)
    regular = [o for o in counted if not o.is_recoleta]
    reco = [o for o in counted if o.is_recoleta]
    n = len(regular)
    # outside a recommended range is inside the standard: it counts as conforming
    ok = sum(1 for o in regular if o.verdict in (Verdict.CONFORMING, Verdict.OUTSIDE_RECOMMENDATION))
    bad = sum(1 for o in regular if o.verdict is Verdict.NONCONFORMING)
    und = n - ok - bad
    reco_bad = sum(1 for o in reco if o.verdict is Verdict.NONCONFORMING)
    outside = sum(1 for o in regular if o.verdict is Verdict.OUTSIDE_RECOMMENDATION)
    if reco_bad:
        v, reason = MonthVerdict.NONCONFORMING, f"{reco_bad} recoleta(s) fora do padrão (não toleradas)"
    elif n == 0:
        v, reason = MonthVerdict.NO_DATA, "nenhuma amostra analisada no mes"
    elif rule.kind is RuleKind.EVERY_SAMPLE:
        v, reason = _every_sample(bad, und)
    elif rule.kind is RuleKind.MAX_POSITIVES:
        v, reason = _max_positives(rule.max_nonconforming, bad, und)
    else:
        assert rule.percent is not None
        v, reason = _percent(rule.percent, n, ok, und)
    if v is MonthVerdict.CONFORMING and outside:
        v = MonthVerdict.OUTSIDE_RECOMMENDATION
        reason += f"; {outside} amostra(s) fora da faixa recomendada (recomendação, não VMP)"
    return MonthResult(v, n, ok, bad, und, len(reco), reco_bad, reason)


def combine(verdicts: Iterable[MonthVerdict]) -> MonthVerdict:
    """Verdict of several point types of one parameter: the worst one wins."""
    vs = set(verdicts)
    for v in (MonthVerdict.NONCONFORMING, MonthVerdict.UNDETERMINED,
              MonthVerdict.OUTSIDE_RECOMMENDATION, MonthVerdict.CONFORMING):
        if v in vs:
            return v
    return MonthVerdict.NO_DATA


def required_after_stoppage(required: int, excused: int) -> int:
    """Samples still required once the ETA stoppage excuses are deducted."""
    return max(0, required - max(0, excused))


def excused_by_stoppage(required: int, month_hours: float, stopped_hours: float) -> int:
    """Samples of an operating-time frequency ("every 2 h") not due while the ETA was stopped.

    Rounded down: a partial interval of stoppage does not excuse a sample.
    """
    if month_hours <= 0 or required <= 0:
        return 0
    frac = min(max(stopped_hours, 0.0), month_hours) / month_hours
    return int(math.floor(required * frac + 1e-9))


def percentile(values: Sequence[Decimal], p: int = 95) -> Decimal | None:
    """Nearest-rank percentile (the P95 SISAGUA asks for)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]

