"""The results a month's report counts: read per month, or for several months of one system's
year at once (read_results_ahead), kept for the unit of work and then read by each month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.db import session, unit_memo_keep, unit_memo_kept
from core.errors import ValidationError
from lims.domain import compliance as comp
from lims.models.results import Result, ResultState


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """(first day, first day of the next month); a month that cannot be is refused."""
    if not (1 <= month <= 12) or year < 2000:
        raise ValidationError("Mês inválido.", fields={"mes": ["Mês inválido."]})
    return dt.date(year, month, 1), dt.date(year + (month == 12), month % 12 + 1, 1)


def month_results(system_id: int, first: dt.date, nxt: dt.date, *, published_only: bool,
                   point_ids: list[int] | None, codes: tuple[str, ...] | None,
                   sums: tuple[comp.SumRule, ...]) -> list[Any]:
    """The counted results of the month (VALIDATED and PUBLICADA, or PUBLICADA only)."""
    wanted = None if codes is None else (  # the invoice/public-site call: the basic parameters
        set(codes) | {t for r in sums if r.code in codes for t in r.terms})
    kept = None if point_ids is not None else unit_memo_kept(
        ("closing.results", system_id, first.year, first.month, published_only), models=(Result,))
    if kept is not None:  # read ahead with the other months of the year (read_results_ahead)
        return kept if wanted is None else [r for r in kept if r.parameter_code in wanted]
    stmt = _results_stmt(system_id, first, nxt, published_only)
    if point_ids is not None:
        stmt = stmt.where(Result.point_id.in_(point_ids))
    if wanted is not None:
        stmt = stmt.where(Result.parameter_code.in_(wanted))
    return list(session.execute(stmt))


def _results_stmt(system_id: int, first: dt.date, nxt: dt.date, published_only: bool) -> Any:
    states = ([ResultState.PUBLISHED] if published_only
              else [ResultState.VALIDATED, ResultState.PUBLISHED])
    return select(Result.parameter_code, Result.parameter_name, Result.unit, Result.point_kind,
                  Result.verdict, Result.is_recoleta, Result.value, Result.sample_id,
                  Result.qualifier, Result.ld, Result.lq, Result.method,
                  Result.collected_on).where(
        Result.system_id == system_id, Result.collected_on >= first, Result.collected_on < nxt,
        Result.state.in_(states))


def read_results_ahead(system_id: int, year: int, months: list[int], *,
                       published_only: bool) -> None:
    """The counted results of several months of one system's year in one query, kept for this
    unit of work: pre_closing of each of them then reads its month from here (the annual
    report of a year with open months computes each one)."""
    if not months:
        return
    lo, hi = min(months), max(months)
    first, nxt = month_bounds(year, lo)[0], month_bounds(year, hi)[1]
    by_month: dict[int, list[Any]] = {m: [] for m in months}
    for row in session.execute(_results_stmt(system_id, first, nxt, published_only)):
        if row.collected_on.month in by_month:
            by_month[row.collected_on.month].append(row)
    for m, rows in by_month.items():
        unit_memo_keep(("closing.results", system_id, year, m, published_only), rows,
                       models=(Result,))
