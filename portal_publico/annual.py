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
        rows = []
        for code in lims_api.BASIC_PARAMETER_CODES:
            ps = [next((p for p in q.parameters if p.parameter_code == code), None) if q else None
                  for q in months]
            ps_ = [p for p in ps if p is not None]
            if not ps_:
                continue
            means = [(p.mean, p.analysed) for p in ps_ if p.mean is not None and p.analysed]
            total = sum(n for _m, n in means)
            rows.append(AnnualRow(
                code, ps_[0].parameter_name, ps_[0].unit, sum(p.required for p in ps_),
                sum(p.analysed for p in ps_), sum(p.conforming for p in ps_),
                sum(p.verdict == "conforme" for p in ps_),
                sum(p.verdict == "nao_conforme" for p in ps_),
                sum(p.analysed > 0 for p in ps_),
                round(sum(m * n for m, n in means) / total, 3) if total else None))
        out.append(AnnualSystem(s, rows, months))
    return out
