"""The SISAGUA infrastructure/operational counts of one month (portaria888.md section 7: repairs
on the network, intermittence events, complaints of lack of water, colour, taste/odour, per
month and area). Pure: the counting rules are data (lims/data/sisagua_layouts.toml,
UNVERIFIED), the facts come from incidents, work orders and ETA stoppages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldRule:
    code: str
    label: str
    service_groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    skip_origins: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    words: tuple[re.Pattern[str], ...] = ()
    eta_stoppages: bool = False


def rules_from(spec: Iterable[Mapping]) -> list[FieldRule]:  # type: ignore[type-arg]
    return [FieldRule(f["code"], f["label"], tuple(f.get("service_groups", ())),
                      tuple(f.get("kinds", ())), tuple(f.get("skip_origins", ())),
                      tuple(f.get("origins", ())),
                      tuple(re.compile(w, re.IGNORECASE) for w in f.get("words", ())),
                      bool(f.get("eta_stoppages", False))) for f in spec]


@dataclass(frozen=True)
class Fact:
    """One incident as the month sees it: opened in the month or not, and the service groups
    of its work orders executed in the month."""

    area: str
    kind: str
    origin: str
    text: str  # title and reason
    opened_in_month: bool
    executed_groups: tuple[str, ...] = ()


def _incident_counts(rule: FieldRule, f: Fact) -> bool:
    if not f.opened_in_month or f.origin in rule.skip_origins:
        return False
    if f.kind in rule.kinds:
        return True
    return f.origin in rule.origins and any(w.search(f.text) for w in rule.words)


def counts(rules: Iterable[FieldRule], facts: Iterable[Fact],
           stoppages: Mapping[str, int]) -> Counter[tuple[str, str]]:
    """{(area, field code): count}; `stoppages` is {area: ETA stoppages started in the month}."""
    out: Counter[tuple[str, str]] = Counter()
    facts = list(facts)
    for rule in rules:
        for f in facts:
            out[(f.area, rule.code)] += sum(1 for g in f.executed_groups
                                            if g in rule.service_groups)
            out[(f.area, rule.code)] += _incident_counts(rule, f)
        if rule.eta_stoppages:
            for area, n in stoppages.items():
                out[(area, rule.code)] += n
    return +out  # zeros dropped
