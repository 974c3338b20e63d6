"""Sampling plans: frequencies, the dates a plan item falls on, the standard's minimums and
the minimum check. Pure functions; every number of the standard arrives as data
(`MinimumRule`, from the editable lims_sampling_minimum table)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.enums import LabelledStrEnum


class Frequency(LabelledStrEnum):
    EVERY_2H = "a_cada_2h", "A cada 2 horas"
    DAILY = "diaria", "Diária"
    TWICE_WEEKLY = "2x_semana", "2 vezes por semana"
    WEEKLY = "semanal", "Semanal"
    MONTHLY = "mensal", "Mensal"
    BIMONTHLY = "bimestral", "Bimestral"
    QUARTERLY = "trimestral", "Trimestral"
    HALF_YEARLY = "semestral", "Semestral"
    ANNUAL = "anual", "Anual"
    CUSTOM = "personalizada", "N amostras por mês"  # a count a month


FREQUENCY_LABELS: dict[Frequency, str] = Frequency.labels()

# months between two occurrences of the periodic frequencies
PERIOD_MONTHS = {Frequency.BIMONTHLY: 2, Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6,
                 Frequency.ANNUAL: 12}
SLOTS_2H = 12
TWICE_WEEKLY_DAYS = (1, 3)  # Tuesday, Thursday
WEEKLY_DAY = 2  # Wednesday


def working_days(year: int, month: int, holidays: Iterable[dt.date] = ()) -> list[dt.date]:
    hol = set(holidays)
    n = calendar.monthrange(year, month)[1]
    days = [dt.date(year, month, d) for d in range(1, n + 1)]
    return [d for d in days if d.weekday() < 5 and d not in hol]


def all_days(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def occurs_in(frequency: Frequency | str, month: int, start_month: int = 1) -> bool:
    f = Frequency(frequency)
    period = PERIOD_MONTHS.get(f)
    return True if period is None else (month - start_month) % period == 0


def spread(n: int, days: Sequence[dt.date], offset: int = 0) -> list[tuple[dt.date, int]]:
    """n samples spread evenly over `days` as (day, slot); more than one a day when n > days.
    `offset` rotates the pattern (different points on different days, same count)."""
    if n <= 0 or not days:
        return []
    used: dict[dt.date, int] = defaultdict(int)
    picks = sorted((min(len(days) - 1, int((i + 0.5) * len(days) / n)) + offset) % len(days)
                   for i in range(n))
    out: list[tuple[dt.date, int]] = []
    for k in picks:
        d = days[k]
        out.append((d, used[d]))
        used[d] += 1
    return out


def occurrences(frequency: Frequency | str, year: int, month: int, *,
                custom_count: int | None = None, start_month: int = 1,
                holidays: Iterable[dt.date] = (), offset: int = 0) -> list[tuple[dt.date, int]]:
    """The (date, slot) of each sample of one plan item in one month.

    Every 2 h and daily run on every calendar day (the plant never stops); the others fall on
    working days: 2x/week on Tuesdays and Thursdays, weekly on Wednesdays (the next working
    day when that is a holiday), monthly and periodic in the middle of the month, custom
    counts spread evenly.
    """
    f = Frequency(frequency)
    wd = working_days(year, month, holidays)
    if f is Frequency.EVERY_2H:
        return [(d, s) for d in all_days(year, month) for s in range(SLOTS_2H)]
    if f is Frequency.DAILY:
        return [(d, 0) for d in all_days(year, month)]
    if f in (Frequency.TWICE_WEEKLY, Frequency.WEEKLY):
        wanted = TWICE_WEEKLY_DAYS if f is Frequency.TWICE_WEEKLY else (WEEKLY_DAY,)
        out = []
        for d in all_days(year, month):
            if d.weekday() in wanted:
                nxt = next((w for w in wd if w >= d), None)
                if nxt is not None and (nxt, 0) not in out and nxt.isocalendar()[1] == d.isocalendar()[1]:
                    out.append((nxt, 0))
        return out
    if f is Frequency.CUSTOM:
        return spread(custom_count or 0, wd, offset)
    if not occurs_in(f, month, start_month):
        return []
    return spread(1, wd, offset)


def count(frequency: Frequency | str, year: int, month: int, **kw: object) -> int:
    return len(occurrences(frequency, year, month, **kw))  # type: ignore[arg-type]


# -- the standard's minimums ------------------------------------------------------------------

@dataclass(frozen=True)
class MinimumRule:
    parameter_code: str
    where: str  # saida | rede | captacao
    frequency: Frequency
    base: int = 1
    per_inhabitants: int | None = None
    cap: int | None = None
    pop_min: int = 0
    pop_max: int | None = None
    source_type: str = "*"
    system_kind: str = "SAA"
    source: str = ""
    unverified: bool = False
    condition: str = ""  # a plan trait the system must have (e.g. "rede_pvc"); "" = always


def source_matches(rule_source: str, system_source: str) -> bool:
    if rule_source in ("*", ""):
        return True
    if system_source == "misto":  # any surface capture counts as surface
        return rule_source == "superficial"
    return rule_source == system_source


def applicable(rules: Iterable[MinimumRule], *, population: int, source_type: str,
               system_kind: str = "SAA", traits: Iterable[str] = ()) -> list[MinimumRule]:
    """The rules of a system; a conditional rule only when the system has its trait."""
    have = set(traits)
    return [r for r in rules
            if r.system_kind == system_kind and source_matches(r.source_type, source_type)
            and r.pop_min <= population and (r.pop_max is None or population <= r.pop_max)
            and (not r.condition or r.condition in have)]


def band_gaps(rules: Iterable[MinimumRule]) -> list[str]:
    """Population bands that leave a gap, overlap or stop short, per (parameter, where,
    system kind, source): each group must start at 0, continue at pop_max + 1 and end open
    (no pop_max), or a system of that size would have no requirement at all."""
    groups: dict[tuple[str, str, str, str], list[MinimumRule]] = defaultdict(list)
    for r in rules:
        if r.condition:  # a conditional rule is an addition, not a population band
            continue
        groups[(r.parameter_code, r.where, r.system_kind, r.source_type)].append(r)
    out = []
    for key, rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: r.pop_min)
        name = "/".join(key)
        expect: int | None = 0  # the next population to cover; None once a band is open
        for r in rs:
            if expect is None or r.pop_min < expect:
                out.append(f"{name}: faixas se sobrepoem em {r.pop_min} hab.")
            elif r.pop_min > expect:
                out.append(f"{name}: nenhuma regra de {expect} a {r.pop_min - 1} hab.")
            expect = None if r.pop_max is None else max(expect or 0, r.pop_max + 1)
        if expect is not None:
            out.append(f"{name}: nenhuma regra a partir de {expect} hab.")
    return out


def per_occurrence(rule: MinimumRule, population: int) -> int:
    n = rule.base + (math.ceil(population / rule.per_inhabitants) if rule.per_inhabitants else 0)
    return min(n, rule.cap) if rule.cap is not None else n


def required_in_month(rule: MinimumRule, population: int, year: int, month: int) -> int:
    """Samples the rule requires in that month (periodic rules: in their first month)."""
    n = per_occurrence(rule, population)
    if rule.frequency is Frequency.CUSTOM or rule.frequency is Frequency.MONTHLY:
        return n
    if rule.frequency in PERIOD_MONTHS:
        return n if occurs_in(rule.frequency, month) else 0
    return n * count(rule.frequency, year, month)


@dataclass(frozen=True)
class PlannedItem:
    parameter_code: str
    where: str  # saida | rede | captacao (from the point kind)
    frequency: Frequency
    custom_count: int | None = None
    start_month: int = 1


@dataclass(frozen=True)
class CheckCell:
    parameter_code: str
    where: str
    month: int
    required: int
    planned: int
    ok: bool
    rule_text: str
    unverified: bool


@dataclass(frozen=True)
class CheckResult:
    cells: tuple[CheckCell, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cells)

    @property
    def failures(self) -> list[CheckCell]:
        return [c for c in self.cells if not c.ok]

    def rows(self) -> list[tuple[str, str, list[CheckCell]]]:
        by: dict[tuple[str, str], list[CheckCell]] = defaultdict(list)
        for c in self.cells:
            by[(c.parameter_code, c.where)].append(c)
        return [(k[0], k[1], sorted(v, key=lambda c: c.month)) for k, v in sorted(by.items())]


def describe(rule: MinimumRule, population: int) -> str:
    n = per_occurrence(rule, population)
    freq = FREQUENCY_LABELS[rule.frequency].lower()
    extra = f" ({rule.base} + 1 a cada {rule.per_inhabitants:,} hab.)".replace(",", ".") \
        if rule.per_inhabitants else ""
    return f"{n} amostra(s), {freq}{extra} - {rule.source}".strip(" -")


@functools.lru_cache(maxsize=4096)
def _count_cached(frequency: Frequency, year: int, month: int, custom_count: int | None,
                  start_month: int) -> int:
    return count(frequency, year, month, custom_count=custom_count, start_month=start_month)


def planned_in_month(items: Iterable[PlannedItem], code: str, where: str, year: int,
                     month: int) -> int:
    return sum(_count_cached(i.frequency, year, month, i.custom_count, i.start_month)
               for i in items if i.parameter_code == code and i.where == where)


def check_minimum(rules: Iterable[MinimumRule], items: Sequence[PlannedItem], *, year: int,
                  population: int, source_type: str, system_kind: str = "SAA",
                  months: Iterable[int] = range(1, 13), traits: Iterable[str] = ()) -> CheckResult:
    """Required vs planned per (parameter, where) and month. A periodic rule (quarterly,
    half-yearly, annual...) is met when its period's months together plan enough."""
    cells = []
    for rule in applicable(rules, population=population, source_type=source_type,
                           system_kind=system_kind, traits=traits):
        text = describe(rule, population)
        period = PERIOD_MONTHS.get(rule.frequency, 1)
        for m in months:
            req = required_in_month(rule, population, year, m)
            planned = planned_in_month(items, rule.parameter_code, rule.where, year, m)
            if period > 1:
                first = m - (m - 1) % period
                window = range(first, min(12, first + period - 1) + 1)
                got = sum(planned_in_month(items, rule.parameter_code, rule.where, year, w)
                          for w in window)
                ok = got >= per_occurrence(rule, population)
            else:
                ok = planned >= req
            cells.append(CheckCell(rule.parameter_code, rule.where, m, req, planned, ok, text,
                                   rule.unverified))
    return CheckResult(tuple(cells))


WHERE_OF_KIND = {"captacao": "captacao", "saida_tratamento": "saida", "poco": "captacao",
                 "agua_filtrada": "filtrada", "filtrada_combinada": "filtrada",
                 "reservatorio": "rede", "rede": "rede", "ponta_de_rede": "rede",
                 "torneira": "rede"}


def where_of(point_kind: str) -> str:
    return WHERE_OF_KIND.get(point_kind, "rede")
