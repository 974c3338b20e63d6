"""LIMS services: the monthly closing (close, reopen, the stored rows of a closed month).

The rules are data (lims/data/compliance_rules.json, versioned, each row with its source);
the verdicts are the pure functions of lims.domain.compliance over the month's validated
results. Recoletas are excluded from the counts; ETA stoppages excuse required samples.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from core.audit import audit_context
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, ValidationError
from core.events import publish
from lims.events import MonthClosed
from lims.models.closing import ClosingLevel, ClosingState, MonthClosing, MonthSummary
from lims.models.registry import SupplySystem
from lims.models.results import Result, ResultState
from lims.services import limits
from lims.services.closing.report import (
    COUNTING_RULE,
    ReportRow,
    days_in,
    held_results,
    month_bounds,
    pre_closing,
    stoppage_hours,
)
from lims.services.closing.results import read_results_ahead
from lims.services.closing.scopes import Scope, scope_of, scope_report, scopes
from lims.services.month_lock import is_closed
from lims.services.validation import publish_results

# the report and the scopes have their own modules; the closing's readers find them here
__all__ = [
    "COUNTING_RULE", "ReportRow", "Scope", "close_month", "closing_of", "closings",
    "current_stored", "days_in", "is_closed", "is_closed_record", "month_bounds", "pre_closing",
    "read_results_ahead", "reopen_month", "scope_of", "scope_report", "scopes", "snapshots", "stoppage_hours",
    "stored_rows",
]

log = logging.getLogger(__name__)

def closing_of(system_id: int, year: int, month: int,
               level: ClosingLevel = ClosingLevel.SYSTEM,
               scope_id: int | None = None) -> MonthClosing | None:
    stmt = select(MonthClosing).where(
        MonthClosing.system_id == system_id, MonthClosing.year == year,
        MonthClosing.month == month, MonthClosing.level == ClosingLevel(level))
    if scope_id is not None:
        stmt = stmt.where(MonthClosing.scope_id == scope_id)
    elif ClosingLevel(level) is ClosingLevel.SYSTEM:
        stmt = stmt.where(MonthClosing.scope_id == system_id)
    return session.scalars(stmt.order_by(MonthClosing.id)).first()


def is_closed_record(c: MonthClosing | None) -> bool:
    return c is not None and (c.state is ClosingState.CLOSED or c.state == "fechado")


@transactional
def close_month(system_id: int, year: int, month: int, *, user_id: int | None,
                username: str = "sistema", level: ClosingLevel = ClosingLevel.SYSTEM,
                scope_id: int | None = None, auto_publish: bool = False,
                **report_kw: Any) -> MonthClosing:
    """Close (lock) a month of one scope: store the per-parameter rows the Gestor saw (the
    read model of the closed month) and publish MonthClosed."""
    first, nxt = month_bounds(year, month)
    if first > utcnow().date():
        raise ValidationError("Não é possível fechar um mês futuro.")
    scope = scope_of(system_id, level, scope_id if level != ClosingLevel.SYSTEM else None)
    level, scope_id = scope.level, scope.scope_id
    pend = select(Result.id).where(
        Result.system_id == system_id, Result.collected_on >= first, Result.collected_on < nxt,
        Result.state == ResultState.ENTERED)
    if scope.point_ids is not None:
        pend = pend.where(Result.point_id.in_(scope.point_ids))
    if session.scalars(pend.limit(1)).first() is not None:
        raise Conflict("Há resultados aguardando validação neste mês; valide-os antes do "
                       "fechamento.", code="resultados_pendentes")
    rows = scope_report(system_id, year, month, scope, **report_kw)
    version = limits.rules_version()
    # the month's held results (holding time, temperature, QC) and their decisions stay on the
    # record of the closing (issue 20 item 4): decided by now, since pending results block it
    report = {"rows": [asdict(r) for r in rows], "rules_version": version,
              "counting_rule": COUNTING_RULE, "held": held_results(system_id, year, month)}
    existing = session.scalars(select(MonthClosing).where(
        MonthClosing.year == year, MonthClosing.month == month, MonthClosing.level == level,
        MonthClosing.scope_id == scope_id)).first()
    now = utcnow()
    with audit_context(reason=f"fechamento mensal {month:02d}/{year}"):
        if existing is not None:
            if is_closed_record(existing):
                raise Conflict(f"O mês {month:02d}/{year} já está fechado.", code="ja_fechado")
            existing.state = ClosingState.CLOSED
            existing.closed_at, existing.closed_by_id = now, user_id
            existing.times_closed += 1
            existing.report = report
            c = existing
        else:
            c = MonthClosing(year=year, month=month, level=level, scope_id=scope_id,
                             system_id=system_id, state=ClosingState.CLOSED, closed_at=now,
                             closed_by_id=user_id, report=report)
            session.add(c)
        c.scope_name = scope.name
        c.point_ids = list(scope.point_ids) if scope.point_ids is not None else None
        session.flush()
        _store_rows(c, rows, version, now)
        if auto_publish:
            publish_results(supervisor_id=user_id, system_id=system_id, year=year, month=month)
        publish(MonthClosed(closing_id=c.id, year=year, month=month, level=level.value,
                            system_id=system_id, closed_by=username))
    return c


def _dec(v: float | None) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _store_rows(c: MonthClosing, rows: list[ReportRow], version: str, now: dt.datetime) -> None:
    if not rows:
        return
    s = session.get(SupplySystem, c.system_id) if c.system_id is not None else None
    system_name = s.name if s is not None else c.scope_name
    # one bulk INSERT of plain rows (no RETURNING, no unit-of-work bookkeeping): the closing's
    # few dozen rows are never read back in this transaction as objects
    session.execute(insert(MonthSummary), [dict(
        closing_id=c.id, snapshot=c.times_closed, current=True, system_id=c.system_id,
        year=c.year, month=c.month, level=str(c.level), scope_id=c.scope_id,
        parameter_code=r.parameter_code, parameter_name=r.parameter_name, unit=r.unit,
        where=r.where, required=r.required, planned=r.planned, analysed=r.analysed,
        conforming=r.conforming, nonconforming=r.nonconforming,
        field_readings=r.field_readings, percent_conforming=r.percent_conforming,
        mean=_dec(r.mean), p95=_dec(r.p95), verdict=r.verdict, rule=r.rule, reason=r.reason,
        rules_version=version, counting_rule=COUNTING_RULE,
        # the names as closed ride along, so a reader needs no other query
        row={**asdict(r), "_system_name": system_name, "_scope_name": c.scope_name},
        closed_at=now)
        for r in rows])


def stored_rows(closing_id: int, *, snapshot: int | None = None,
                codes: tuple[str, ...] | None = None) -> list[ReportRow]:
    """The rows a closing stored (the current snapshot, or an older one from the history)."""
    stmt = select(MonthSummary.row).where(MonthSummary.closing_id == closing_id)
    stmt = (stmt.where(MonthSummary.snapshot == snapshot) if snapshot is not None
            else stmt.where(MonthSummary.current.is_(True)))
    if codes is not None:
        stmt = stmt.where(MonthSummary.parameter_code.in_(codes))
    return [ReportRow.from_dict(d) for d in session.scalars(stmt.order_by(MonthSummary.id))]


@dataclass(frozen=True)
class Stored:
    rows: list[ReportRow]
    rules_version: str
    system_name: str | None
    scope_name: str | None


def current_stored(system_id: int, year: int, month: int, level: ClosingLevel | str,
                   scope_id: int | None, codes: tuple[str, ...] | None = None) -> Stored | None:
    """The current snapshot of one closed scope's month, in one indexed query; None when
    there are no current rows (open, reopened, or closed with no rows)."""
    level = ClosingLevel(level)
    stmt = select(MonthSummary.row, MonthSummary.rules_version).where(
        MonthSummary.system_id == system_id, MonthSummary.year == year,
        MonthSummary.month == month, MonthSummary.level == level.value,
        MonthSummary.current.is_(True),
        MonthSummary.scope_id == (system_id if level is ClosingLevel.SYSTEM else scope_id))
    if codes is not None:
        stmt = stmt.where(MonthSummary.parameter_code.in_(codes))
    got = session.execute(stmt.order_by(MonthSummary.id)).all()
    if not got:
        return None
    first = got[0].row
    return Stored([ReportRow.from_dict(r.row) for r in got], got[0].rules_version,
                  first.get("_system_name"), first.get("_scope_name"))


def snapshots(closing_id: int) -> list[tuple[int, bool, dt.datetime]]:
    """(snapshot, current, closed_at) of every closing of one scope's month, oldest first."""
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(MonthSummary.snapshot, MonthSummary.current, MonthSummary.closed_at)
        .where(MonthSummary.closing_id == closing_id).distinct()
        .order_by(MonthSummary.snapshot))]


def _closed_closing(closing_id: int) -> MonthClosing:
    """The closing a Gestor asks to reopen: it exists and is not reopened already."""
    c = get_or_404(MonthClosing, closing_id, "Fechamento não encontrado.")
    if c.state == ClosingState.REOPENED:
        raise Conflict("Este mês já está reaberto.")
    return c


@transactional
def reopen_month(closing_id: int, reason: str, *, user_id: int) -> MonthClosing:
    """A Gestor reopens a closed month with a justification (audited). The stored rows stay,
    no longer current: the month is computed live again until it is closed anew."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        msg = "Informe a justificativa da reabertura (mínimo de 10 caracteres)."
        raise ValidationError(msg, fields={"justificativa": [msg]})
    c = _closed_closing(closing_id)
    with audit_context(reason=f"reabertura: {reason}"):
        c.state = ClosingState.REOPENED
        c.reopened_at, c.reopened_by_id, c.reopen_reason = utcnow(), user_id, reason
        session.execute(update(MonthSummary).where(MonthSummary.closing_id == c.id)
                        .values(current=False))
        session.flush()
    return c


def closings(limit: int = 100) -> list[MonthClosing]:
    return list(session.scalars(select(MonthClosing).order_by(
        MonthClosing.year.desc(), MonthClosing.month.desc(), MonthClosing.id.desc()).limit(limit)))

