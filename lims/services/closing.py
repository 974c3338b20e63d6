"""LIMS services: the monthly closing (pre-closing report, close, reopen, the month lock).

The rules are data (lims/data/compliance_rules.json, versioned, each row with its source);
the verdicts are the pure functions of lims.domain.compliance over the month's validated
results. Recoletas are excluded from the counts; ETA stoppages excuse required samples.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from core.events import publish
from lims.domain import compliance as comp
from lims.domain.vmp import Limit, Verdict
from lims.events import MonthClosed
from lims.models.closing import ClosingLevel, ClosingState, MonthClosing
from lims.models.results import EtaStoppage, Result, ResultState

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "compliance_rules.json"
SAIDA_KINDS = frozenset({"saida_tratamento"})
REDE_KINDS = frozenset({"reservatorio", "rede", "ponta_de_rede", "torneira"})


@functools.cache
def rules_data() -> dict[str, Any]:
    return json.loads(RULES_FILE.read_text(encoding="utf-8"))


def limit_for(code: str) -> Limit:
    p = rules_data()["parameters"].get(code, {})
    return Limit(maximum=Decimal(p["max"]) if "max" in p else None,
                 minimum=Decimal(p["min"]) if "min" in p else None,
                 absence=bool(p.get("absence")))


def category(point_kind: str | None) -> str | None:
    if point_kind in SAIDA_KINDS:
        return "saida"
    if point_kind in REDE_KINDS:
        return "rede"
    return None


def rule_for(code: str, cat: str, *, population: int, treatment_type: str) -> comp.MonthlyRule:
    data = rules_data()
    p = data["parameters"].get(code, {})
    kind = p.get("rule", "every")
    if isinstance(kind, dict):
        kind = kind.get(cat, "every")
    if kind == "coliform_network":
        cn = data["coliform_network"]
        return comp.coliform_network_rule(
            population, population_line=int(cn["population_line"]),
            max_positives_below=int(cn["max_positives_below"]),
            percent_from=Decimal(cn["percent_from"]))
    if kind == "turbidity_filtration":
        table = {k: (Decimal(v["vmp"]), Decimal(v["percent"]), bool(v["unverified"]))
                 for k, v in data["turbidity_filtration"].items()}
        return comp.turbidity_filtration_rule(treatment_type, table)
    from lims.domain.vmp import describe_limit

    return comp.every_sample(f"{describe_limit(limit_for(code), p.get('unit', ''))} "
                             "em todas as amostras")


@dataclass(frozen=True)
class ReportRow:
    parameter_code: str
    parameter_name: str
    unit: str
    where: str  # saida | rede
    required: int
    excused: int
    planned: int
    collected: int
    analysed: int
    conforming: int
    nonconforming: int
    recoletas: int
    verdict: str
    rule: str
    reason: str
    unverified: bool
    mean: float | None
    p95: float | None
    # samples the standard requires that were not analysed (after stoppages): the verdict
    # judges the water in the samples taken, this says whether enough were taken
    shortfall: int = 0


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (1 <= month <= 12) or year < 2000:
        raise ValidationError("Mes invalido.", fields={"mes": ["Mes invalido."]})
    return dt.date(year, month, 1), dt.date(year + (month == 12), month % 12 + 1, 1)


def stoppage_hours(eta_codes: list[str], year: int, month: int) -> float:
    first, nxt = month_bounds(year, month)
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(nxt, dt.time(), dt.UTC)
    if not eta_codes:
        return 0.0
    rows = session.scalars(select(EtaStoppage).where(
        EtaStoppage.eta_code.in_(eta_codes), EtaStoppage.started_at < end,
        (EtaStoppage.ended_at.is_(None)) | (EtaStoppage.ended_at > start)))
    return sum(r.hours_within(start, end) for r in rows)


def pre_closing(system_id: int, year: int, month: int, *, population: int = 0,
                treatment_type: str = "filtracao_rapida",
                required: dict[tuple[str, str], int] | None = None,
                planned: dict[tuple[str, str], int] | None = None,
                collected: dict[tuple[str, str], int] | None = None,
                eta_codes: list[str] | None = None, published_only: bool = False,
                codes: tuple[str, ...] | None = None,
                point_ids: list[int] | None = None) -> list[ReportRow]:
    """The pre-closing report of one system's month: one row per parameter and point type.

    `required`/`planned`/`collected` map (parameter_code, where) -> count and come from part
    1's plans and samples (see `plan_counts`); stoppage hours of the system's ETAs excuse part
    of the operating-time ("every 2 h") samples at the treatment outlet.
    """
    if required is None or planned is None or collected is None:
        r2, p2, c2, etas = plan_counts(system_id, year, month)
        required = r2 if required is None else required
        planned = p2 if planned is None else planned
        collected = c2 if collected is None else collected
        eta_codes = etas if eta_codes is None else eta_codes
        if not population or not treatment_type:
            population, treatment_type = system_facts(system_id, population, treatment_type)
    first, nxt = month_bounds(year, month)
    states = ([ResultState.PUBLISHED] if published_only
              else [ResultState.VALIDATED, ResultState.PUBLISHED])
    stmt = select(Result.parameter_code, Result.parameter_name, Result.unit, Result.point_kind,
                  Result.verdict, Result.is_recoleta, Result.value, Result.sample_id).where(
        Result.system_id == system_id, Result.collected_on >= first, Result.collected_on < nxt,
        Result.state.in_(states))
    if point_ids is not None:
        stmt = stmt.where(Result.point_id.in_(point_ids))
    if codes is not None:  # the invoice/public-site call only needs the basic parameters
        stmt = stmt.where(Result.parameter_code.in_(codes))
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    for row in session.execute(stmt):
        cat = category(row.point_kind)
        if cat is None:
            continue
        groups[(row.parameter_code, cat)].append(row)
        names[row.parameter_code] = (row.parameter_name, row.unit)
    data = rules_data()["parameters"]
    keys = set(groups) | {k for k in required if k[0] in data} | set(planned)
    if codes is not None:
        keys |= {(c, w) for c in codes for w in ("saida", "rede")
                 if w in str(data.get(c, {}).get("where", "saida,rede"))}
        keys = {k for k in keys if k[0] in codes}
    month_hours = (nxt - first).days * 24.0
    stopped = stoppage_hours(eta_codes or [], year, month)
    out = []
    for code, where in sorted(keys):
        rows = groups.get((code, where), [])
        outcomes = [comp.Outcome(Verdict(r.verdict), r.is_recoleta, r.sample_id) for r in rows]
        rule = rule_for(code, where, population=population, treatment_type=treatment_type)
        res = comp.evaluate(rule, outcomes)
        if not population and rule.kind is not comp.RuleKind.EVERY_SAMPLE and code == "coliformes_totais":
            # population served not registered: judge under both bands; disagreement is undecided
            big = rule_for(code, where, population=10**9, treatment_type=treatment_type)
            res_big = comp.evaluate(big, outcomes)
            if res_big.verdict is not res.verdict:
                res = comp.MonthResult(comp.MonthVerdict.INDETERMINADO, res.analysed,
                                       res.conforming, res.nonconforming, res.undecidable,
                                       res.recoletas, res.recoleta_nonconforming,
                                       "populacao abastecida nao cadastrada: as duas faixas "
                                       "da Portaria dao resultados diferentes")
            rule = comp.MonthlyRule(rule.kind, "Populacao abastecida nao cadastrada: " + rule.text
                                    + " / " + big.text, rule.max_nonconforming, rule.percent,
                                    unverified=True)
        req = required.get((code, where), 0)
        excused = comp.excused_by_stoppage(req, month_hours, stopped) if where == "saida" else 0
        values = [r.value for r in rows if r.value is not None and not r.is_recoleta]
        name, unit = names.get(code, (data.get(code, {}).get("name", code),
                                      data.get(code, {}).get("unit", "")))
        required_now = comp.required_after_stoppage(req, excused)
        shortfall = max(0, required_now - res.analysed)
        reason = res.reason + (f"; amostragem abaixo do minimo: {res.analysed} de {required_now} "
                               "exigidas" if shortfall else "")
        out.append(ReportRow(
            parameter_code=code, parameter_name=name, unit=unit, where=where,
            required=required_now, excused=excused, shortfall=shortfall,
            planned=planned.get((code, where), 0),
            collected=collected.get((code, where), len({r.sample_id for r in rows})),
            analysed=res.analysed, conforming=res.conforming, nonconforming=res.nonconforming,
            recoletas=res.recoletas, verdict=res.verdict.value, rule=rule.text,
            reason=reason, unverified=rule.unverified,
            mean=float(sum(values) / len(values)) if values else None,
            p95=float(comp.percentile(values)) if values else None,
        ))
    return out


def plan_counts(system_id: int, year: int, month: int):  # type: ignore[no-untyped-def]
    """(required, planned, collected, eta_codes) from part 1's plans and samples."""
    from lims.services import plans as plan_services

    return plan_services.month_counts(system_id, year, month)


def system_facts(system_id: int, population: int, treatment_type: str) -> tuple[int, str]:
    from lims.models.registry import SupplySystem

    s = session.get(SupplySystem, system_id)  # identity-map hit after plan_counts: no query
    if s is not None:
        return s.population_served, s.treatment_type
    return population, treatment_type or "filtracao_rapida"


def closing_of(system_id: int, year: int, month: int,
               level: ClosingLevel = ClosingLevel.SYSTEM) -> MonthClosing | None:
    return session.scalars(select(MonthClosing).where(
        MonthClosing.system_id == system_id, MonthClosing.year == year,
        MonthClosing.month == month, MonthClosing.level == level)).first()


def is_closed(system_id: int, year: int, month: int) -> bool:
    return session.scalars(select(MonthClosing.id).where(
        MonthClosing.system_id == system_id, MonthClosing.year == year,
        MonthClosing.month == month, MonthClosing.state == ClosingState.CLOSED)).first() is not None


def assert_open(system_id: int, day: dt.date) -> None:
    """Services call this before changing lab data of `day`: closed months are locked."""
    if is_closed(system_id, day.year, day.month):
        raise Conflict(f"O mes {day.month:02d}/{day.year} esta fechado para este sistema; "
                       "um Gestor precisa reabri-lo com justificativa.", code="mes_fechado")


@transactional
def close_month(system_id: int, year: int, month: int, *, user_id: int | None,
                username: str = "sistema", level: ClosingLevel = ClosingLevel.SYSTEM,
                scope_id: int | None = None, auto_publish: bool = False,
                **report_kw: Any) -> MonthClosing:
    """Close (lock) a month: store the report it was closed on and publish MonthClosed."""
    first, nxt = month_bounds(year, month)
    if first > utcnow().date():
        raise ValidationError("Nao e possivel fechar um mes futuro.")
    level = ClosingLevel(level)
    scope_id = scope_id if scope_id is not None else system_id
    pending = session.scalars(select(Result.id).where(
        Result.system_id == system_id, Result.collected_on >= first, Result.collected_on < nxt,
        Result.state == ResultState.ENTERED).limit(1)).first()
    if pending is not None:
        raise Conflict("Ha resultados aguardando validacao neste mes; valide-os antes do "
                       "fechamento.", code="resultados_pendentes")
    rows = pre_closing(system_id, year, month, **report_kw)
    report = {"rows": [asdict(r) for r in rows], "rules_version": rules_data()["version"]}
    existing = session.scalars(select(MonthClosing).where(
        MonthClosing.year == year, MonthClosing.month == month, MonthClosing.level == level,
        MonthClosing.scope_id == scope_id)).first()
    now = utcnow()
    with audit_context(reason=f"fechamento mensal {month:02d}/{year}"):
        if existing is not None:
            if existing.state is ClosingState.CLOSED or existing.state == "fechado":
                raise Conflict(f"O mes {month:02d}/{year} ja esta fechado.", code="ja_fechado")
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
        session.flush()
        if auto_publish:
            from lims.services.validation import publish_results

            publish_results(supervisor_id=user_id, system_id=system_id, year=year, month=month)
        publish(MonthClosed(closing_id=c.id, year=year, month=month, level=level.value,
                            system_id=system_id, closed_by=username))
    return c


@transactional
def reopen_month(closing_id: int, reason: str, *, user_id: int) -> MonthClosing:
    """A Gestor reopens a closed month with a justification (audited)."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        msg = "Informe a justificativa da reabertura (minimo de 10 caracteres)."
        raise ValidationError(msg, fields={"justificativa": [msg]})
    c = session.get(MonthClosing, closing_id)
    if c is None:
        raise NotFound("Fechamento nao encontrado.")
    if c.state is ClosingState.REOPENED or c.state == "reaberto":
        raise Conflict("Este mes ja esta reaberto.")
    with audit_context(reason=f"reabertura: {reason}"):
        c.state = ClosingState.REOPENED
        c.reopened_at, c.reopened_by_id, c.reopen_reason = utcnow(), user_id, reason
        session.flush()
    return c


def closings(limit: int = 100) -> list[MonthClosing]:
    return list(session.scalars(select(MonthClosing).order_by(
        MonthClosing.year.desc(), MonthClosing.month.desc(), MonthClosing.id.desc()).limit(limit)))


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
