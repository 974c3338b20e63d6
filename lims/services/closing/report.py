"""The pre-closing report of one scope's month: one row per parameter and point type, every
result judged again against the catalogue's limits in force, each row's verdict by the monthly
rules of lims.domain.compliance."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import fmt
from core.db import session, unit_memo
from lims.domain import compliance as comp
from lims.domain import sisagua
from lims.domain.limits import binding_limit, check_all
from lims.domain.vmp import Measurement, Qualifier, Verdict
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.results import EtaStoppage
from lims.services import lab_checks, limits
from lims.services import plan_counts as counts_services
from lims.services.closing.results import month_bounds, month_results
from lims.services.results import FIELD_METHOD

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


@dataclass
class _Month:
    """What every row of one pre-closing report is judged by."""

    system_id: int
    population: int
    treatment_type: str
    disinfectant: str
    required: dict[tuple[str, str], int]
    planned: dict[tuple[str, str], int]
    collected: dict[tuple[str, str], int]
    codes: tuple[str, ...] | None
    pls: dict[str, Any]
    data: dict[str, Any]
    residual: str
    others: frozenset[str]
    month_hours: float
    stopped: float
    stand_in: bool = False

    def judge(self, r: Any, point_kind: str | None) -> Verdict:
        """A result judged again against the limits in force at `point_kind`."""
        pl = self.pls.get(r.parameter_code)
        if pl is None or (r.value is None and not r.qualifier):
            return Verdict(r.verdict)  # nothing to judge again: the verdict of the entry
        m = Measurement(value=r.value, qualifier=Qualifier(r.qualifier or ""), ld=r.ld, lq=r.lq)
        return check_all(m, pl.at(point_kind, self.treatment_type, self.disinfectant),
                         pl.unit).verdict


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
    `required`/`planned`/`collected` map (parameter_code, where) -> count and come from the
    plans and samples (see `plan_counts`); stoppage hours of the system's ETAs excuse part
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
    disinfectant = disinfectant or limits.system_facts(system_id).disinfectant
    first, nxt = month_bounds(year, month)
    sums = limits.sum_rules()
    if codes is not None and set(codes) & limits.residual_codes():
        # "cloro residual" of the invoice / portal: the residual of this system's disinfectant
        codes = tuple(dict.fromkeys((*codes, limits.residual_code(disinfectant))))
    rows_all = month_results(system_id, first, nxt, published_only=published_only,
                              point_ids=point_ids, codes=codes, sums=sums)
    data = limits.rules_data()["parameters"]
    ctx = _Month(
        system_id=system_id, population=population, treatment_type=treatment_type,
        disinfectant=disinfectant, required=required, planned=planned, collected=collected,
        codes=codes, data=data, residual=limits.residual_code(disinfectant),
        others=limits.other_residuals(disinfectant),
        pls=limits.many({r.parameter_code for r in rows_all} | set(data)
                        | {k[0] for k in required} | {k[0] for k in planned}),
        month_hours=(nxt - first).days * 24.0,
        stopped=stoppage_hours(eta_codes or [], year, month))
    groups, names = _groups(ctx, rows_all)
    out = [_row(ctx, code, where, groups.get((code, where), []), names)
           for code, where in sorted(_row_keys(ctx, groups))]
    return out + _sum_rows(sums, rows_all, ctx.pls, codes)


def _groups(ctx: _Month, rows_all: list[Any]
            ) -> tuple[dict[tuple[str, str], list[tuple[Any, Verdict]]], dict[str, tuple[str, str]]]:
    """(parameter, point type) -> [(result, verdict)], and each parameter's (name, unit)."""
    groups: dict[tuple[str, str], list[tuple[Any, Verdict]]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    for row in rows_all:
        cat = limits.category(row.point_kind)
        if cat is None:
            continue
        groups[(row.parameter_code, cat)].append((row, ctx.judge(row, row.point_kind)))
        names[row.parameter_code] = (row.parameter_name, row.unit)
    # Anexo 2 at a plant without a filtered-water point: its outlet turbidity stands in
    filt = limits.rules_data()["turbidity_filtration"]
    filt_code = filt["parameter"]
    if (limits.filtration_table(ctx.treatment_type) and (filt_code, "filtrada") not in groups
            and (ctx.codes is None or filt_code in ctx.codes)
            and not has_filtered_points(ctx.system_id)):
        ctx.stand_in = bool(filt.get("outlet_stands_in", True))
        if ctx.stand_in:
            groups[(filt_code, "filtrada")] = [
                (r, ctx.judge(r, limits.FILTERED_STAND_IN_KIND))
                for r, _v in groups.get((filt_code, "saida"), [])]
    return groups, names


def _row_keys(ctx: _Month, groups: dict[tuple[str, str], Any]) -> set[tuple[str, str]]:
    """The (parameter, point type) rows of the report."""
    data, pls = ctx.data, ctx.pls
    keys = set(groups) | {k for k in ctx.required if k[0] in data} | set(ctx.planned)
    keys |= {(ctx.residual, "rede")}  # the disinfectant row: always shown, data or not
    if limits.filtration_table(ctx.treatment_type):
        keys |= {(limits.rules_data()["turbidity_filtration"]["parameter"], "filtrada")}
    # residuals of other disinfectants are not required: only shown when analysed
    keys = {k for k in keys if k[0] not in ctx.others or k in groups}
    # a parameter the catalogue gives no limit and the rules no monthly rule (temperature read
    # in the field) has nothing to be judged by: no row, never a "Conforme" it did not earn
    keys = {k for k in keys if not (k[0] in pls and not pls[k[0]].limits and k[0] not in data
                                    and k not in ctx.required)}
    if ctx.codes is not None:
        keys |= {(c, w) for c in ctx.codes for w in ("saida", "rede")
                 if w in str(data.get(c, {}).get("where", "saida,rede")) and c not in ctx.others}
        keys = {k for k in keys if k[0] in ctx.codes}
    return keys


def _judge_month(ctx: _Month, code: str, where: str, outcomes: list[comp.Outcome]
                 ) -> tuple[comp.MonthlyRule, comp.MonthResult]:
    """The monthly rule of one row and the month's result under it."""
    if limits.monthly_rule_kind(code, where) == "coliform_network":
        return comp.network_coliforms(ctx.population, outcomes, **limits.coliform_network())
    pl = ctx.pls.get(code)
    text = None
    if pl is not None and where != "filtrada":
        text = pl.text_at({"saida": "saida_tratamento"}.get(where, where), ctx.treatment_type,
                          ctx.disinfectant)
    rule = limits.rule_for(code, where, population=ctx.population,
                           treatment_type=ctx.treatment_type, outlet_stands_in=ctx.stand_in,
                           limits_text=text)
    if code == ctx.residual and where == "rede":
        rule = comp.MonthlyRule(
            rule.kind, f"Residual do desinfetante do sistema "
            f"({DISINFECTANT_WORDS.get(ctx.disinfectant, ctx.disinfectant)}) em toda a "
            f"distribuição, reservatórios incluídos: {rule.text}",
            rule.max_nonconforming, rule.percent, rule.unverified)
    return rule, comp.evaluate(rule, outcomes)


def _row(ctx: _Month, code: str, where: str, rows: list[tuple[Any, Verdict]],
         names: dict[str, tuple[str, str]]) -> ReportRow:
    """One row of the report: the month of one parameter at one point type."""
    stand_in = where == "filtrada" and ctx.stand_in
    rule, res = _judge_month(ctx, code, where,
                             [comp.Outcome(v, r.is_recoleta, r.sample_id) for r, v in rows])
    req = ctx.required.get((code, "saida" if stand_in else where), 0) if where != "filtrada" else 0
    excused = (comp.excused_by_stoppage(req, ctx.month_hours, ctx.stopped)
               if where == "saida" else 0)
    values = [r.value for r, _v in rows if r.value is not None and not r.is_recoleta]
    regular = [r for r, _v in rows if not r.is_recoleta]
    pl = ctx.pls.get(code)
    name, unit = (pl.name, pl.unit) if pl is not None else names.get(code, (code, ""))
    if where == "filtrada":
        name = f"{name} (pós-filtração)"
        if ctx.stand_in:
            name = f"{name} - saída do tratamento em lugar da água filtrada"
    required_now = comp.required_after_stoppage(req, excused)
    shortfall = max(0, required_now - res.analysed)
    reason = res.reason + (f"; amostragem abaixo do mínimo: {res.analysed} de {required_now} "
                           "exigidas" if shortfall else "")
    if where == "filtrada" and res.analysed:
        reason += f"; {fmt.number(res.percent_conforming, 1)}% dentro do limite"
    return ReportRow(
        parameter_code=code, parameter_name=name, unit=unit, where=where,
        required=required_now, excused=excused, shortfall=shortfall,
        planned=ctx.planned.get((code, where), 0),
        collected=ctx.collected.get((code, where), len({r.sample_id for r, _v in rows})),
        analysed=res.analysed, conforming=res.conforming, nonconforming=res.nonconforming,
        recoletas=res.recoletas, verdict=res.verdict.value, rule=rule.text,
        reason=reason, unverified=rule.unverified,
        mean=float(sum(values) / len(values)) if values else None,
        p95=float(comp.percentile(values)) if values else None,
        field_readings=sum(1 for r in regular if r.method == FIELD_METHOD),
        # stand-in outlet samples go to SISAGUA once, as the outlet's
        sisagua=() if stand_in else _sisagua_fields(code, where, regular),
        duplicate_of="saida" if stand_in else "",
    )


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
    return unit_memo(("closing.filtered_points", system_id), lambda: session.scalars(
        select(CollectionPoint.id).where(
            CollectionPoint.system_id == system_id, CollectionPoint.active.is_(True),
            CollectionPoint.kind.in_(limits.FILTERED_KINDS)).limit(1)).first() is not None,
        models=(CollectionPoint,))


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
            cat = limits.category(r.point_kind)
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
    return counts_services.month_counts(system_id, year, month)


def system_facts(system_id: int, population: int, treatment_type: str) -> tuple[int, str]:
    s = session.get(SupplySystem, system_id)  # identity-map hit after plan_counts: no query
    if s is not None:
        return s.population_served, s.treatment_type
    return population, treatment_type or "filtracao_rapida"


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def held_results(system_id: int, year: int, month: int) -> list[dict[str, Any]]:
    """The month's results that were held (holding time, arrival temperature, QC) and were
    accepted with a justification or are still undecided: the closing report lists them."""
    first, nxt = month_bounds(year, month)
    return lab_checks.held_in_month(system_id, first, nxt)
