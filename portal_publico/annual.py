"""The Decreto 5.440 annual report: per supply system and basic parameter, the year's totals
(composed from lims.api's monthly summaries)."""

from __future__ import annotations

from dataclasses import dataclass

from lims import api as lims_api
from portal_publico.services import summaries, systems, today


@dataclass(frozen=True)
class AnnualRow:
    parameter_code: str
    parameter_name: str
    unit: str
    required: int
    analysed: int
    conforming: int
    months_ok: int
    months_bad: int
    months_with_data: int
    mean: float | None


@dataclass(frozen=True)
class AnnualSystem:
    system: lims_api.SystemInfo
    rows: list[AnnualRow]
    months: list[lims_api.QualitySummary | None]


def annual(year: int) -> list[AnnualSystem]:
    """Decreto 5.440 annual report data: per system and basic parameter, the year's totals."""
    last = 12
    t = today()
    if year == t.year:
        last = t.month
    out = []
    every = systems()
    got = summaries([s.id for s in every], [(year, m) for m in range(1, last + 1)])
    for s in every:
        months = [got[(s.id, year, m)] for m in range(1, last + 1)]
        # each month's parameters by code (the first of a code, as a search would find it)
        by_code = [{p.parameter_code: p for p in reversed(q.parameters)} for q in months if q]
        rows = [row for code in lims_api.BASIC_PARAMETER_CODES
                if (row := _row(code, [ix[code] for ix in by_code if code in ix])) is not None]
        out.append(AnnualSystem(s, rows, months))
    return out


def _row(code: str, ps: list[lims_api.ParameterSummary]) -> AnnualRow | None:
    """One parameter's year from its months' summaries (None: no month has it)."""
    if not ps:
        return None
    required = analysed = conforming = ok = bad = with_data = 0
    weighted = total = 0.0
    for p in ps:
        required += p.required
        analysed += p.analysed
        conforming += p.conforming
        ok += p.verdict == "conforme"
        bad += p.verdict == "nao_conforme"
        with_data += p.analysed > 0
        if p.mean is not None and p.analysed:
            weighted += p.mean * p.analysed
            total += p.analysed
    return AnnualRow(code, ps[0].parameter_name, ps[0].unit, required, analysed, conforming, ok,
                     bad, with_data, round(weighted / total, 3) if total else None)
