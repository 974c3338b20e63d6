"""LIMS services: the monthly closing (pre-closing report, close, reopen, the month lock).

The rules are data (lims/data/compliance_rules.json, versioned, each row with its source);
the verdicts are the pure functions of lims.domain.compliance over the month's validated
results. Recoletas are excluded from the counts; ETA stoppages excuse required samples.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from core.audit import audit_context
from core.db import session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from core.events import publish
from lims.domain import compliance as comp
from lims.domain import sisagua
from lims.domain.limits import binding_limit, check_all
from lims.domain.vmp import Measurement, Qualifier, Verdict, fmt_decimal
from lims.events import MonthClosed
from lims.models.closing import ClosingLevel, ClosingState, MonthClosing, MonthSummary
from lims.models.plans import PlanItem, SamplingPlan
from lims.models.registry import CollectionPoint, PointLink, SupplySystem
from lims.models.results import EtaStoppage, Result, ResultState
from lims.services import limits
from lims.services import plans as plan_services
from lims.services.month_lock import assert_open, is_closed  # noqa: F401  (moved, re-exported)
from lims.services.results import FIELD_METHOD
from lims.services.validation import publish_results

log = logging.getLogger(__name__)

# the limit lookup and the monthly rules have their own module (one home per rule); the
# names stay importable from here
rules_data = limits.rules_data
category = limits.category
rule_for = limits.rule_for
limit_for = limits.general_limit
SAIDA_KINDS, REDE_KINDS = limits.SAIDA_KINDS, limits.REDE_KINDS
# The one counting rule of every monthly figure (closing, invoice, portal, open data, SISAGUA,
# reports), printed on each of them.
COUNTING_RULE = ("Contagem: resultados validados por um segundo profissional (quatro olhos), "
                 "de laboratório e de campo; recoletas fora dos percentuais; '< LD' conta como "
                 "conforme; LQ acima do VMP é indeterminado. Mês fechado: números gravados no "
                 "fechamento; mês aberto: apurados no momento.")


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
    # the point type whose samples this row judges again (the outlet standing in for filtered
    # water): its samples are already counted there, totals must not count them twice
    duplicate_of: str = ""
    field_readings: int = 0  # of `analysed`, readings typed by the collector (method "campo")
    # the SISAGUA "controle mensal" fields of this parameter and point type, [(campo, valor)]
    sisagua: tuple[tuple[str, str], ...] = ()

    @property
    def percent_conforming(self) -> Decimal | None:
        if not self.analysed:
            return None
        return (Decimal(self.conforming) * 100 / self.analysed).quantize(Decimal("0.01"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReportRow:
        """A stored row back (fields added later default; unknown stored keys are ignored)."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["sisagua"] = tuple(tuple(x) for x in kw.get("sisagua") or ())
        return cls(**kw)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (1 <= month <= 12) or year < 2000:
        raise ValidationError("Mês inválido.", fields={"mes": ["Mês inválido."]})
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
                point_ids: list[int] | None = None,
                disinfectant: str | None = None) -> list[ReportRow]:
    """The pre-closing report of one system's month: one row per parameter and point type
    (saida | filtrada | rede), plus one row per sum rule (nitrate + nitrite).

    Every result is judged again here against the catalogue's limits that apply at its point
    (lims.services.limits), so the month reads the limits in force: post-filtration turbidity
    at the filtered-water points (the outlet stands in when the plant has none), the residual
    of the system's disinfectant throughout distribution, pH as a recommended range.
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
    facts = limits.system_facts(system_id)
    disinfectant = disinfectant or facts.disinfectant
    first, nxt = month_bounds(year, month)
    states = ([ResultState.PUBLISHED] if published_only
              else [ResultState.VALIDATED, ResultState.PUBLISHED])
    sums = limits.sum_rules()
    if codes is not None and set(codes) & limits.residual_codes():
        # "cloro residual" of the invoice / portal: the residual of this system's disinfectant
        codes = tuple(dict.fromkeys((*codes, limits.residual_code(disinfectant))))
    wanted = None if codes is None else set(codes) | {t for r in sums if r.code in codes
                                                       for t in r.terms}
    stmt = select(Result.parameter_code, Result.parameter_name, Result.unit, Result.point_kind,
                  Result.verdict, Result.is_recoleta, Result.value, Result.sample_id,
                  Result.qualifier, Result.ld, Result.lq, Result.method).where(
        Result.system_id == system_id, Result.collected_on >= first, Result.collected_on < nxt,
        Result.state.in_(states))
    if point_ids is not None:
        stmt = stmt.where(Result.point_id.in_(point_ids))
    if wanted is not None:  # the invoice/public-site call only needs the basic parameters
        stmt = stmt.where(Result.parameter_code.in_(wanted))
    rows_all = list(session.execute(stmt))
    data = rules_data()["parameters"]
    residual = limits.residual_code(disinfectant)
    others = limits.other_residuals(disinfectant)
    pls = limits.many({r.parameter_code for r in rows_all} | set(data)
                      | {k[0] for k in required} | {k[0] for k in planned})
    filt_code = rules_data()["turbidity_filtration"]["parameter"]

    def judge(r: Any, point_kind: str | None) -> Verdict:
        pl = pls.get(r.parameter_code)
        if pl is None or (r.value is None and not r.qualifier):
            return Verdict(r.verdict)  # nothing to judge again: the verdict of the entry
        m = Measurement(value=r.value, qualifier=Qualifier(r.qualifier or ""), ld=r.ld, lq=r.lq)
        return check_all(m, pl.at(point_kind, treatment_type, disinfectant), pl.unit).verdict

    groups: dict[tuple[str, str], list[tuple[Any, Verdict]]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    for row in rows_all:
        cat = category(row.point_kind)
        if cat is None:
            continue
        groups[(row.parameter_code, cat)].append((row, judge(row, row.point_kind)))
        names[row.parameter_code] = (row.parameter_name, row.unit)
    # Anexo 2 at a plant without a filtered-water point: its outlet turbidity stands in
    stand_in = False
    has_filtration = bool(limits.filtration_table(treatment_type))
    if has_filtration and (filt_code, "filtrada") not in groups and (
            codes is None or filt_code in codes) and not has_filtered_points(system_id):
        outlet = groups.get((filt_code, "saida"), [])
        stand_in = bool(rules_data()["turbidity_filtration"].get("outlet_stands_in", True))
        if stand_in:
            groups[(filt_code, "filtrada")] = [
                (r, judge(r, limits.FILTERED_STAND_IN_KIND)) for r, _v in outlet]
    keys = set(groups) | {k for k in required if k[0] in data} | set(planned)
    keys |= {(residual, "rede")}  # the disinfectant row: always shown, data or not
    if has_filtration:
        keys |= {(filt_code, "filtrada")}
    # residuals of other disinfectants are not required: only shown when analysed
    keys = {k for k in keys if k[0] not in others or k in groups}
    # a parameter the catalogue gives no limit and the rules no monthly rule (temperature read
    # in the field) has nothing to be judged by: no row, never a "Conforme" it did not earn
    keys = {k for k in keys if not (k[0] in pls and not pls[k[0]].limits and k[0] not in data
                                    and k not in required)}
    if codes is not None:
        keys |= {(c, w) for c in codes for w in ("saida", "rede")
                 if w in str(data.get(c, {}).get("where", "saida,rede"))
                 and (c not in others)}
        keys = {k for k in keys if k[0] in codes}
    month_hours = (nxt - first).days * 24.0
    stopped = stoppage_hours(eta_codes or [], year, month)
    out = []
    for code, where in sorted(keys):
        rows = groups.get((code, where), [])
        outcomes = [comp.Outcome(v, r.is_recoleta, r.sample_id) for r, v in rows]
        pl = pls.get(code)
        text = None
        if pl is not None and where != "filtrada":
            text = pl.text_at({"saida": "saida_tratamento"}.get(where, where), treatment_type,
                              disinfectant)
        rule = rule_for(code, where, population=population, treatment_type=treatment_type,
                        outlet_stands_in=stand_in, limits_text=text)
        if code == residual and where == "rede":
            rule = comp.MonthlyRule(
                rule.kind, f"Residual do desinfetante do sistema "
                f"({DISINFECTANT_WORDS.get(disinfectant, disinfectant)}) em toda a "
                f"distribuição, reservatórios incluídos: {rule.text}",
                rule.max_nonconforming, rule.percent, rule.unverified)
        res = comp.evaluate(rule, outcomes)
        if not population and rule.kind is not comp.RuleKind.EVERY_SAMPLE and code == "coliformes_totais":
            # population served not registered: judge under both bands; disagreement is undecided
            big = rule_for(code, where, population=10**9, treatment_type=treatment_type)
            res_big = comp.evaluate(big, outcomes)
            if res_big.verdict is not res.verdict:
                res = comp.MonthResult(comp.MonthVerdict.INDETERMINADO, res.analysed,
                                       res.conforming, res.nonconforming, res.undecidable,
                                       res.recoletas, res.recoleta_nonconforming,
                                       "população abastecida não cadastrada: as duas faixas "
                                       "da Portaria dao resultados diferentes")
            rule = comp.MonthlyRule(rule.kind, "População abastecida não cadastrada: " + rule.text
                                    + " / " + big.text, rule.max_nonconforming, rule.percent,
                                    unverified=True)
        req_where = "saida" if (where == "filtrada" and stand_in) else where
        req = required.get((code, req_where), 0) if where != "filtrada" else 0
        excused = comp.excused_by_stoppage(req, month_hours, stopped) if where == "saida" else 0
        values = [r.value for r, _v in rows if r.value is not None and not r.is_recoleta]
        regular = [r for r, _v in rows if not r.is_recoleta]
        if pl is not None:
            name, unit = pl.name, pl.unit
        else:
            name, unit = names.get(code, (code, ""))
        if where == "filtrada":
            name = f"{name} (pós-filtração)"
            if stand_in:
                name = f"{name} - saída do tratamento em lugar da água filtrada"
        required_now = comp.required_after_stoppage(req, excused)
        shortfall = max(0, required_now - res.analysed)
        reason = res.reason + (f"; amostragem abaixo do mínimo: {res.analysed} de {required_now} "
                               "exigidas" if shortfall else "")
        if where == "filtrada" and res.analysed:
            reason += f"; {fmt_decimal(res.percent_conforming)}% dentro do limite"
        out.append(ReportRow(
            parameter_code=code, parameter_name=name, unit=unit, where=where,
            required=required_now, excused=excused, shortfall=shortfall,
            planned=planned.get((code, where), 0),
            collected=collected.get((code, where), len({r.sample_id for r, _v in rows})),
            analysed=res.analysed, conforming=res.conforming, nonconforming=res.nonconforming,
            recoletas=res.recoletas, verdict=res.verdict.value, rule=rule.text,
            reason=reason, unverified=rule.unverified,
            mean=float(sum(values) / len(values)) if values else None,
            p95=float(comp.percentile(values)) if values else None,
            field_readings=sum(1 for r in regular if r.method == FIELD_METHOD),
            # stand-in outlet samples go to SISAGUA once, as the outlet's
            sisagua=() if (where == "filtrada" and stand_in) else _sisagua_fields(
                code, where, regular),
            duplicate_of="saida" if (where == "filtrada" and stand_in) else "",
        ))
    out += _sum_rows(sums, rows_all, pls, codes)
    return out


def _sisagua_fields(code: str, where: str, rows: list[Any]) -> tuple[tuple[str, str], ...]:
    """The SISAGUA form fields of one parameter and point type (stored with the closing)."""
    if code not in sisagua.PARAMETER_LABELS or not rows:
        return ()
    items = []
    for r in rows:
        m = Measurement(value=r.value, qualifier=Qualifier(r.qualifier or ""))
        items.append(sisagua.Item(r.value, censored=m.censored, positive=m.positive))
    return tuple(sisagua.fields(code, where, items))


DISINFECTANT_WORDS = {"cloro_livre": "cloro livre", "cloramina": "cloramina",
                      "dioxido_de_cloro": "dióxido de cloro"}


def has_filtered_points(system_id: int) -> bool:
    return session.scalars(select(CollectionPoint.id).where(
        CollectionPoint.system_id == system_id, CollectionPoint.active.is_(True),
        CollectionPoint.kind.in_(limits.FILTERED_KINDS)).limit(1)).first() is not None


def _sum_rows(sums: tuple[comp.SumRule, ...], rows_all: list[Any], pls: dict[str, Any],
              codes: tuple[str, ...] | None) -> list[ReportRow]:
    """One row per sum rule and point type: the samples that have every term."""
    out = []
    for rule in sums:
        if codes is not None and rule.code not in codes:
            continue
        vmps = {t: binding_max(pls[t]) if t in pls else None
                for t in rule.terms}
        per: dict[str, dict[int, tuple[bool, dict[str, Any]]]] = defaultdict(dict)
        for r in rows_all:
            cat = category(r.point_kind)
            if r.parameter_code not in rule.terms or cat is None:
                continue
            reco, terms = per[cat].setdefault(r.sample_id, (r.is_recoleta, {}))
            terms[r.parameter_code] = (
                Measurement(value=r.value, qualifier=Qualifier(r.qualifier or ""), ld=r.ld,
                            lq=r.lq), vmps[r.parameter_code])
        for where in sorted(per):
            outcomes = comp.sum_outcomes(rule, per[where])
            if not outcomes:
                continue
            res = comp.evaluate(comp.every_sample(rule.text), outcomes)
            out.append(ReportRow(
                parameter_code=rule.code, parameter_name=rule.name, unit="", where=where,
                required=0, excused=0, planned=0, collected=len(outcomes),
                analysed=res.analysed, conforming=res.conforming,
                nonconforming=res.nonconforming, recoletas=res.recoletas,
                verdict=res.verdict.value, rule=f"{rule.text} ({rule.source})",
                reason=res.reason, unverified=rule.unverified, mean=None, p95=None))
    return out


def binding_max(pl: Any) -> Decimal | None:
    return binding_limit(x for x in pl.limits if x.general).maximum


def plan_counts(system_id: int, year: int, month: int):  # type: ignore[no-untyped-def]
    """(required, planned, collected, eta_codes) from part 1's plans and samples."""
    return plan_services.month_counts(system_id, year, month)


def system_facts(system_id: int, population: int, treatment_type: str) -> tuple[int, str]:
    s = session.get(SupplySystem, system_id)  # identity-map hit after plan_counts: no query
    if s is not None:
        return s.population_served, s.treatment_type
    return population, treatment_type or "filtracao_rapida"


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


@dataclass(frozen=True)
class Scope:
    level: ClosingLevel
    scope_id: int
    name: str
    point_ids: tuple[int, ...] | None  # None: the whole system


def scope_of(system_id: int, level: ClosingLevel | str, scope_id: int | None) -> Scope:
    """The points a closing of `level` covers (tender 7.12): the whole system; the points of
    one sampling plan; or one reservoir and every point downstream of it."""
    level = ClosingLevel(level)
    if level is ClosingLevel.SYSTEM:
        s = session.get(SupplySystem, system_id)
        return Scope(level, system_id, s.name if s else f"Sistema {system_id}", None)
    if scope_id is None:
        msg = "Informe o plano ou o reservatório do fechamento."
        raise ValidationError(msg, fields={"escopo": [msg]})
    if level is ClosingLevel.PLAN:
        plan = session.get(SamplingPlan, scope_id)
        if plan is None or plan.system_id != system_id:
            raise NotFound("Plano de amostragem não encontrado neste sistema.")
        pts = tuple(sorted(set(session.scalars(select(PlanItem.point_id).where(
            PlanItem.plan_id == scope_id)))))
        return Scope(level, scope_id, f"Plano {plan.year} v{plan.version}", pts)
    res = session.get(CollectionPoint, scope_id)
    if res is None or res.system_id != system_id or res.kind != "reservatorio":
        raise NotFound("Reservatório não encontrado neste sistema.")
    links: dict[int, set[int]] = defaultdict(set)
    for up, down in session.execute(select(PointLink.upstream_id, PointLink.downstream_id)):
        links[up].add(down)
    seen, todo = {res.id}, [res.id]
    while todo:  # everything the reservoir feeds, transitively
        for nxt in links.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return Scope(level, scope_id, res.name, tuple(sorted(seen)))


def scope_report(system_id: int, year: int, month: int, scope: Scope,
                 **report_kw: Any) -> list[ReportRow]:
    """The pre-closing report of one scope. The standard's minimums are per system: a plan
    scope keeps them; a reservoir scope has none of its own (required 0, shown as such)."""
    if scope.point_ids is None:
        return pre_closing(system_id, year, month, **report_kw)
    if scope.level is ClosingLevel.RESERVOIR:
        report_kw.setdefault("required", {})
        report_kw.setdefault("planned", {})
        report_kw.setdefault("collected", {})
        report_kw.setdefault("eta_codes", [])
        if not report_kw.get("population"):
            report_kw["population"], report_kw["treatment_type"] = system_facts(
                system_id, 0, report_kw.get("treatment_type", ""))
    return pre_closing(system_id, year, month, point_ids=list(scope.point_ids), **report_kw)


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
    version = rules_data()["version"]
    report = {"rows": [asdict(r) for r in rows], "rules_version": version,
              "counting_rule": COUNTING_RULE}
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
    s = session.get(SupplySystem, c.system_id) if c.system_id is not None else None
    system_name = s.name if s is not None else c.scope_name
    session.add_all(MonthSummary(
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
        for r in rows)
    session.flush()


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


@transactional
def reopen_month(closing_id: int, reason: str, *, user_id: int) -> MonthClosing:
    """A Gestor reopens a closed month with a justification (audited). The stored rows stay,
    no longer current: the month is computed live again until it is closed anew."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        msg = "Informe a justificativa da reabertura (mínimo de 10 caracteres)."
        raise ValidationError(msg, fields={"justificativa": [msg]})
    c = session.get(MonthClosing, closing_id)
    if c is None:
        raise NotFound("Fechamento não encontrado.")
    if c.state is ClosingState.REOPENED or c.state == "reaberto":
        raise Conflict("Este mês já está reaberto.")
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


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def scopes(system_id: int) -> list[tuple[str, int, str]]:
    """The scopes a month of the system can be closed at: (level, scope_id, name)."""
    s = session.get(SupplySystem, system_id)
    out = [(ClosingLevel.SYSTEM.value, system_id, s.name if s else f"Sistema {system_id}")]
    out += [(ClosingLevel.PLAN.value, p.id, f"Plano {p.year} v{p.version}")
            for p in session.scalars(select(SamplingPlan).where(
                SamplingPlan.system_id == system_id).order_by(SamplingPlan.year.desc(),
                                                              SamplingPlan.version.desc()))]
    out += [(ClosingLevel.RESERVOIR.value, p.id, p.name)
            for p in session.scalars(select(CollectionPoint).where(
                CollectionPoint.system_id == system_id, CollectionPoint.kind == "reservatorio",
                CollectionPoint.active.is_(True)).order_by(CollectionPoint.name))]
    return out
