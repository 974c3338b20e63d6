"""LIMS services: what leaves the lab, for invoices, the public site and open data: the quality
summary of a closing scope's month (stored rows of a closed month, computed live while open) and
the published results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from core.db import session
from core.org import current_organization
from lims.domain import compliance as comp
from lims.domain.published import (
    BASIC_PARAMETER_CODES,
    ParameterSummary,
    PublishedResult,
    QualitySummary,
)
from lims.models.closing import ClosingLevel, ClosingState, MonthClosing, MonthSummary
from lims.models.registry import CollectionPoint, SupplySystem, Unit
from lims.models.results import Result, ResultState
from lims.services import closing, limits, plan_counts


def system_name(system_id: int) -> str:
    s = session.get(SupplySystem, system_id)  # identity-map hit after plan_counts: no query
    if s is not None:
        return s.name
    name = session.scalars(select(Result.system_name).where(Result.system_id == system_id)
                           .limit(1)).first()
    return name or f"Sistema {system_id}"


def _more_info() -> str:
    org = current_organization()
    if org is None:
        return "Informações sobre a qualidade da água: atendimento do serviço de água."
    parts = [p for p in (org.website, org.phone, org.customer_service) if p]
    return "Mais informações sobre a qualidade da água: " + "; ".join(parts)


def quality_summary(system_id: int, year: int, month: int, *, published_only: bool = True,
                    basic_only: bool = True, level: str = "sistema",
                    scope_id: int | None = None, more_info: str | None = None,
                    known: tuple[MonthClosing | None] | None = None):  # type: ignore[no-untyped-def]
    """One scope's month: the rows stored at closing when that scope's month is closed (the
    same numbers for every reader); computed live only while the month is open. `known`:
    (the month's closing record or None,) when the caller has already found that the month
    has no current stored rows (quality_summaries asks for a whole year at once)."""
    level = ClosingLevel(level)
    codes = BASIC_PARAMETER_CODES if basic_only else None
    sid_ = system_id if level is ClosingLevel.SYSTEM else scope_id
    stored = None if known is not None else closing.current_stored(
        system_id, year, month, level, sid_, codes)
    c = known[0] if known is not None else None
    if stored is None and known is None:  # open, reopened, or closed without rows: ask the closing
        c = closing.closing_of(system_id, year, month, level,
                               scope_id if level is not ClosingLevel.SYSTEM else None)
    if stored is not None or closing.is_closed_record(c):
        rows, version = (stored.rows, stored.rules_version) if stored else (
            [], limits.rules_version())
        name = (stored.system_name if stored else None) or system_name(system_id)
        scope_name = ((stored.scope_name if stored else None)
                      or (c.scope_name if c is not None else None)
                      or (name if level is ClosingLevel.SYSTEM else
                          closing.scope_of(system_id, level, scope_id).name))
        sid, closed = sid_, True
    else:
        scope = closing.scope_of(system_id, level, scope_id)
        rows = closing.scope_report(system_id, year, month, scope,
                                    published_only=published_only, codes=codes)
        scope_name, sid, version = scope.name, scope.scope_id, limits.rules_version()
        name = system_name(system_id)
        closed = False
    return QualitySummary(
        system_id=system_id, system_name=name, year=year, month=month,
        level=level.value, closed=closed, parameters=tuple(summarise(rows, BASIC_PARAMETER_CODES)),
        more_info=more_info or _more_info(), scope_id=sid, scope_name=scope_name,
        counting_rule=closing.COUNTING_RULE + ("" if closed or not published_only else
                                               " Mês aberto: só resultados já publicados."),
        rules_version=version)


def quality_summaries(keys: list[tuple[int, int, int]], *, published_only: bool = True,  # type: ignore[no-untyped-def]
                      stored_only: bool = False):
    """System-level summaries of many (system_id, year, month) at once (the public annual
    report, the open-data summaries): every closed month's stored basic rows in one query;
    only the months without a current closing are computed, one by one."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    got = _stored_summaries(keys)
    more = _more_info() if got or not stored_only else ""
    # held here, the systems answer every session.get of the computations below from the
    # identity map (which keeps only referenced objects): one query, not a few per month
    todo = set() if stored_only else {k[0] for k in keys if k not in got}
    systems = list(session.scalars(select(SupplySystem).where(SupplySystem.id.in_(todo)))) if todo else []
    records = _closings([k for k in keys if k not in got]) if todo else {}
    if todo:
        _read_ahead([k for k in keys if k not in got
                     and not closing.is_closed_record(records.get(k))], published_only)
    out = {}
    for key in keys:
        if key in got:
            out[key] = dataclasses.replace(got[key], more_info=more)
        elif not stored_only:  # no current stored rows (the same filter as current_stored)
            out[key] = quality_summary(*key, published_only=published_only, more_info=more,
                                       known=(records.get(key),))
    del systems
    return out


def _read_ahead(open_keys: list[tuple[int, int, int]], published_only: bool) -> None:
    """Several open months of one system's year are computed: their results and collected
    counts in one query each (per system and year) instead of one a month."""
    months: dict[tuple[int, int], list[int]] = {}
    for sid, year, month in open_keys:
        months.setdefault((sid, year), []).append(month)
    for (sid, year), ms in months.items():
        if len(ms) > 1:
            closing.read_results_ahead(sid, year, ms, published_only=published_only)
            plan_counts.read_collected_ahead(sid, year, ms)


def _closings(keys: list[tuple[int, int, int]]) -> dict[tuple[int, int, int], MonthClosing]:
    """The system-level closing record of each (system_id, year, month) that has one, in one
    query (closing.closing_of's answer for each: the first by id)."""
    out: dict[tuple[int, int, int], MonthClosing] = {}
    for c in session.scalars(select(MonthClosing).where(
            MonthClosing.level == ClosingLevel.SYSTEM, MonthClosing.scope_id == MonthClosing.system_id,
            MonthClosing.system_id.in_({k[0] for k in keys}),
            tuple_(MonthClosing.year, MonthClosing.month).in_({(k[1], k[2]) for k in keys}))
            .order_by(MonthClosing.id)):
        out.setdefault((c.system_id, c.year, c.month), c)
    return out


# A closed month's stored rows never change: a reopening marks them not current and the next
# closing writes new ones (new ids). So the summary built from them is kept per process, keyed
# by the rows' identity (closing, snapshot, first and last row id, count); each request only
# asks which rows are current (one small query, no JSON decoded).
_STORED: dict[tuple[int, int, int, int, int], QualitySummary] = {}
_STORED_LOCK = threading.Lock()


def forget_stored_summaries() -> None:
    """Drop this process's summaries of closed months (another database reuses the ids)."""
    with _STORED_LOCK:
        _STORED.clear()


def _basic_rows(*where: Any) -> Any:
    return (MonthSummary.level == ClosingLevel.SYSTEM.value, MonthSummary.current.is_(True),
            MonthSummary.scope_id == MonthSummary.system_id,
            MonthSummary.parameter_code.in_(BASIC_PARAMETER_CODES), *where)


def _stored_summaries(keys: list[tuple[int, int, int]]) -> dict[tuple[int, int, int], QualitySummary]:
    """The closed months among `keys` (without more_info), built once per set of stored rows."""
    ids = {}
    for r in session.execute(select(
            MonthSummary.system_id, MonthSummary.year, MonthSummary.month, MonthSummary.closing_id,
            MonthSummary.snapshot, func.min(MonthSummary.id), func.max(MonthSummary.id),
            func.count()).where(*_basic_rows(
                MonthSummary.system_id.in_({k[0] for k in keys}),
                tuple_(MonthSummary.year, MonthSummary.month).in_({(k[1], k[2]) for k in keys})))
            .group_by(MonthSummary.system_id, MonthSummary.year, MonthSummary.month,
                      MonthSummary.closing_id, MonthSummary.snapshot)):
        ids[(r[0], r[1], r[2])] = tuple(r[3:])
    with _STORED_LOCK:
        out = {k: _STORED[v] for k, v in ids.items() if v in _STORED}
    missing = {v: k for k, v in ids.items() if k not in out}
    if missing:
        rows: dict[tuple[int, int, int, int, int], list[Any]] = {}
        for r in session.execute(select(
                MonthSummary.id, MonthSummary.closing_id, MonthSummary.snapshot, MonthSummary.row,
                MonthSummary.rules_version).where(*_basic_rows(
                    tuple_(MonthSummary.closing_id, MonthSummary.snapshot).in_(
                        {v[:2] for v in missing}))).order_by(MonthSummary.id)):
            ident = next((v for v in missing if v[:2] == (r.closing_id, r.snapshot)), None)
            if ident is not None:
                rows.setdefault(ident, []).append(r)
        for ident, rs in rows.items():
            key = missing[ident]
            if (rs[0].id, rs[-1].id, len(rs)) != ident[2:]:
                continue  # changed between the two reads (a reopening): computed as open
            out[key] = built = _from_stored(key, rs)
            with _STORED_LOCK:
                if len(_STORED) > 5000:
                    _STORED.clear()
                _STORED[ident] = built
    return out


def _from_stored(key: tuple[int, int, int], rows: list[Any]) -> QualitySummary:
    first = rows[0].row
    name = first.get("_system_name") or system_name(key[0])
    return QualitySummary(
        system_id=key[0], system_name=name, year=key[1], month=key[2],
        level=ClosingLevel.SYSTEM.value, closed=True,
        parameters=tuple(summarise([closing.ReportRow.from_dict(r.row) for r in rows],
                                   BASIC_PARAMETER_CODES)),
        more_info="", scope_id=key[0], scope_name=first.get("_scope_name") or name,
        counting_rule=closing.COUNTING_RULE, rules_version=rows[0].rules_version)


def summarise(rows: list[closing.ReportRow], first: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Per parameter, the report rows of its point types (saida, rede) as one ParameterSummary."""
    by_code: dict[str, list[closing.ReportRow]] = {}
    for r in rows:
        by_code.setdefault(r.parameter_code, []).append(r)
    order = [c for c in first if c in by_code] + sorted(set(by_code) - set(first))
    out = []
    for code in order:
        rs = by_code[code]
        own = [r for r in rs if not r.duplicate_of]  # the outlet standing in: once
        named = next((r for r in rs if r.where != "filtrada"), rs[0])  # the plain name
        means = [(r.mean, r.analysed) for r in own if r.mean is not None and r.analysed]
        total = sum(n for _m, n in means)
        p95s = [r.p95 for r in own if r.p95 is not None]
        out.append(ParameterSummary(
            parameter_code=code, parameter_name=named.parameter_name, unit=named.unit,
            standard="; ".join(f"{where_label(r.where)}: {r.rule}" for r in rs),
            required=sum(r.required for r in own), planned=sum(r.planned for r in own),
            analysed=sum(r.analysed for r in own), conforming=sum(r.conforming for r in own),
            verdict=comp.combine(comp.MonthVerdict(r.verdict) for r in rs).value,
            rule="; ".join(f"{where_label(r.where)}: {r.reason}" for r in rs),
            mean=round(sum(m * n for m, n in means) / total, 3) if total else None,
            p95=max(p95s) if p95s else None,
            field_readings=sum(r.field_readings for r in own),
        ))
    return out


def quality_for_connection(system_id: int, year: int, month: int, *,
                           sector_code: str | None = None, neighbourhood: str | None = None,
                           published_only: bool = True):  # type: ignore[no-untyped-def]
    """The summary of the most specific CLOSED scope serving a connection: the reservoir
    scope that holds the connection's sector (or neighbourhood), else the system."""
    if sector_code or neighbourhood:
        scoped = list(session.scalars(select(MonthClosing).where(
            MonthClosing.system_id == system_id, MonthClosing.year == year,
            MonthClosing.month == month, MonthClosing.level == ClosingLevel.RESERVOIR,
            MonthClosing.state == ClosingState.CLOSED).order_by(MonthClosing.id)))
        if scoped:
            ids = {i for c in scoped for i in (c.point_ids or ())}
            sector = (sector_code or "").casefold()
            hood = (neighbourhood or "").casefold()
            serve: dict[int, set[str]] = {}
            parent = aliased(Unit)
            # a point's unit (sector or one of its segments) names the sector it serves
            for pid, p_hood, u_code, parent_code in session.execute(
                    select(CollectionPoint.id, CollectionPoint.neighbourhood, Unit.code,
                           parent.code)
                    .outerjoin(Unit, Unit.id == CollectionPoint.unit_id)
                    .outerjoin(parent, parent.id == Unit.parent_id)
                    .where(CollectionPoint.id.in_(ids))):
                serve[pid] = {x.casefold() for x in (p_hood, u_code, parent_code) if x}
            for want in (sector, hood):  # the sector is more specific than the neighbourhood
                for c in scoped:
                    if want and any(want in serve.get(pid, ()) for pid in c.point_ids or ()):
                        return quality_summary(system_id, year, month, level=c.level,
                                               scope_id=c.scope_id, published_only=published_only)
    return quality_summary(system_id, year, month, published_only=published_only)


def where_label(w: str) -> str:
    return WHERE_LABELS.get(w, w)


def quality_history(system_id: int, months: int = 12, *, until: tuple[int, int] | None = None,
                    published_only: bool = True):  # type: ignore[no-untyped-def]
    if until is None:
        today = dt.date.today()
        until = (today.year, today.month)
    y, m = until
    out = []
    for _ in range(max(0, months)):
        out.append(quality_summary(system_id, y, m, published_only=published_only))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def published_results(*, point_id: int | None = None, system_id: int | None = None,
                      parameter_code: str | None = None, since: dt.date | None = None,
                      until: dt.date | None = None, limit: int = 100, offset: int = 0):  # type: ignore[no-untyped-def]
    wanted = [(point_id is not None, lambda: Result.point_id == point_id),
              (system_id is not None, lambda: Result.system_id == system_id),
              (bool(parameter_code), lambda: Result.parameter_code == parameter_code),
              (bool(since), lambda: Result.collected_on >= since),
              (bool(until), lambda: Result.collected_on <= until)]
    # the columns the answer needs as plain rows, not whole records (the open data's page of
    # 100 loaded ~40 columns into 100 ORM objects)
    stmt = select(*_PUBLISHED_COLUMNS).where(Result.state == ResultState.PUBLISHED,
                                             *(clause() for given, clause in wanted if given))
    stmt = stmt.order_by(Result.collected_at.desc().nulls_last(), Result.id.desc())
    stmt = stmt.limit(min(max(limit, 1), 1000)).offset(max(offset, 0))
    return [PublishedResult(
        sample_id=r.sample_id, sample_code=r.sample_code, point_id=r.point_id or 0,
        point_name=r.point_name, system_id=r.system_id or 0, collected_at=r.collected_at,
        parameter_code=r.parameter_code, parameter_name=r.parameter_name, value=r.value_text,
        numeric=float(r.value) if r.value is not None else None, unit=r.unit,
        conforming=_CONFORMING.get(r.verdict),
        standard=r.standard, published_at=r.published_at or r.validated_at or r.created_at,
    ) for r in session.execute(stmt)]


_PUBLISHED_COLUMNS = (Result.sample_id, Result.sample_code, Result.point_id, Result.point_name,
                      Result.system_id, Result.collected_at, Result.parameter_code,
                      Result.parameter_name, Result.value_text, Result.value, Result.unit,
                      Result.verdict, Result.standard, Result.published_at, Result.validated_at,
                      Result.created_at)
_CONFORMING = {"conforme": True, "nao_conforme": False}


WHERE_LABELS = {"saida": "Saída do tratamento", "rede": "Rede de distribuição",
            "filtrada": "Pós-filtração ou pré-desinfecção"}


def known_systems() -> list[tuple[int, str]]:
    """(id, name) of the active supply systems, by code (the reports' system choice)."""
    return [(s.id, s.name) for s in session.scalars(
        select(SupplySystem).where(SupplySystem.active.is_(True)).order_by(SupplySystem.code))]


def system_code(system_id: int) -> str:
    s = session.get(SupplySystem, system_id)
    return s.code if s is not None else str(system_id)
