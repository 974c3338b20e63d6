"""LIMS services: results entry (per sample, bulk grid, Boletim de Analise transcription).

The sample's facts (point, system, collection time, recoleta flag) and the parameter's standard
arrive as small frozen references (`SampleRef`, `ParameterRef`) built by `resolve_*` from
part 1's registry; the result row keeps a copy of what reports and the public API need, so a
later registry edit never rewrites history.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from sqlalchemy import select

from core import fmt
from core.db import get_or_404, session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from lims.domain import compliance as comp
from lims.domain.limits import LimitKind, ScopedLimit, binding_limit, check_all, describe_all
from lims.domain.vmp import (
    Measurement,
    Qualifier,
    Verdict,
    describe_result,
    parse_result,
    plausible,
)
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint
from lims.models.results import Result, ResultState
from lims.models.samples import Sample
from lims.services import lab_checks, limits, methods, month_lock, samples
from lims.services.refs import (  # noqa: F401  (re-exported)
    ParameterRef,
    SampleRef,
    active_pairs,
    active_result,
    cells_left,
)
from lims.services.refs import param_ref as _param_ref

log = logging.getLogger(__name__)

FIELD_METHOD = "campo"  # Result.method of the readings typed by the collector on the route


def physical_range(p: ParameterRef) -> tuple[Decimal | None, Decimal | None, str]:
    """What the quantity can be at all (not what is plausible): pH 0 to 14, a temperature
    between -10 and 100 °C, a concentration, count, turbidity or colour never below zero."""
    unit = (p.unit or "").strip().lower()
    if p.code == "ph" or unit == "ph":
        return Decimal(0), Decimal(14), "o pH vai de 0 a 14"
    if "°c" in unit or unit == "c" or p.code.startswith("temperatura"):
        return Decimal(-10), Decimal(100), "a temperatura da água fica entre -10 e 100 °C"
    if unit == "%":
        return Decimal(0), Decimal(100), "um percentual vai de 0 a 100"
    return Decimal(0), None, f"o valor de {p.name} não pode ser negativo"


def _measure(text: str, p: ParameterRef) -> tuple[Measurement, str]:
    raw = (text or "").strip()
    if raw[:1].isdigit() or raw[:1] in "+-":
        try:
            fmt.parse_number(raw, field="resultado")  # refuses "1.234" (ambiguous) with an example
        except fmt.NumberFormatError as exc:
            raise ValidationError(str(exc), code="numero_ambiguo", fields={"valor": [str(exc)]}) from None
    try:
        value, qual = parse_result(text)
    except ValueError:
        msg = "Resultado inválido: use um número (ex.: 0,35), < LD, < LQ, Ausente ou Presente."
        raise ValidationError(msg, fields={"valor": [msg]}) from None
    lo, hi, why = physical_range(p)
    if value is not None and ((lo is not None and value < lo) or (hi is not None and value > hi)):
        msg = (f"{fmt.number(value, None)} {p.unit} é impossível para {p.name}: {why}. "
               "Confira o valor digitado.").replace("  ", " ")
        raise ValidationError(msg, code="fisicamente_impossivel", fields={"valor": [msg]})
    m = Measurement(value=value, qualifier=qual, ld=p.ld, lq=p.lq)
    shown = describe_result(m) if qual is not Qualifier.NONE else text.strip()
    return m, shown


def _plausible_text(p: ParameterRef) -> str:
    lo = fmt.number(p.plausible_low, None) if p.plausible_low is not None else None
    hi = fmt.number(p.plausible_high, None) if p.plausible_high is not None else None
    if lo is not None and hi is not None:
        return f"de {lo} a {hi} {p.unit}".strip()
    return f"a partir de {lo} {p.unit}".strip() if lo is not None else f"até {hi} {p.unit}".strip()


def scoped_limits(p: ParameterRef, point_kind: str | None,
                  system_id: int | None) -> tuple[ScopedLimit, ...]:
    """The catalogue's limits at this point of this system (lims.services.limits); a
    parameter outside the catalogue keeps the plain limit it came with."""
    pl = limits.parameter_limits(p.code)
    if pl is None:
        lim = p.limit
        if lim.maximum is None and lim.minimum is None and not lim.absence:
            return ()
        return (ScopedLimit(LimitKind.VMP, lim.minimum, lim.maximum, absence=lim.absence,
                            decimals=lim.decimals),)
    f = limits.system_facts(system_id)
    return pl.at(point_kind, f.treatment_type, f.disinfectant)


def sum_checks(sample_id: int, p: ParameterRef, m: Measurement | None = None
               ) -> list[dict[str, object]]:
    """The sum rules (nitrate + nitrite, Art. 39) this parameter enters, for one sample: the
    other terms come from the sample's standing results, this term from `m` (the value being
    typed) or its own standing result. A rule with a missing term is left out."""
    return [x for rule in limits.sum_rules_with(p.code)
            if (x := _sum_of(rule, sample_id, (p.code, m) if m is not None else None))]


def sample_sums(sample_id: int) -> list[dict[str, object]]:
    """Every sum rule complete on this sample's standing results (the validation screen)."""
    return [x for rule in limits.sum_rules() if (x := _sum_of(rule, sample_id, None))]


def _sum_of(rule, sample_id: int, typed) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    pls = limits.many(rule.terms)
    terms: dict[str, tuple[Measurement, Decimal | None]] = {}
    for code in rule.terms:
        vmp = (binding_limit(x for x in pls[code].limits if x.general).maximum
               if code in pls else None)
        if typed is not None and typed[0] == code:
            terms[code] = (typed[1], vmp)
            continue
        r = session.scalars(select(Result).where(
            Result.sample_id == sample_id, Result.parameter_code == code,
            Result.state.not_in([ResultState.SUPERSEDED, ResultState.CANCELLED]))).first()
        if r is not None:
            terms[code] = (Measurement(value=r.value, qualifier=Qualifier(r.qualifier or ""),
                                       ld=r.ld, lq=r.lq), vmp)
    got = comp.sum_of_sample(rule, terms)
    if got is None:
        return None
    total, verdict = got
    return {"codigo": rule.code, "nome": rule.name,
            "soma": None if total is None else f"{total:.2f}".replace(".", ","),
            "verdict": verdict.value, "regra": rule.text}


def preview(text: str, p: ParameterRef, *, sample_id: int | None = None,
            point_kind: str | None = None, system_id: int | None = None) -> dict[str, object]:
    """What the grid shows at once while typing: conformity against the limits that apply at
    the sample's point, the sum rules it enters, and plausibility (no writes)."""
    m, shown = _measure(text, p)
    if sample_id is not None and (point_kind is None or system_id is None):
        ref = _sample_context(sample_id)
        point_kind, system_id = ref if ref else (point_kind, system_id)
    lims_ = scoped_limits(p, point_kind, system_id)
    c = check_all(m, lims_, p.unit)
    out: dict[str, object] = {
        "valor": shown, "verdict": c.verdict.value, "motivo": c.reason,
        "plausivel": plausible(m.value, p.plausible_low, p.plausible_high),
        "padrao": describe_all(lims_, p.unit)}
    if sample_id is not None:
        sums = sum_checks(sample_id, p, m)
        out["somas"] = sums
        failed = [x for x in sums if x["verdict"] == Verdict.NONCONFORMING.value]
        if failed and c.verdict is Verdict.CONFORMING:
            out["verdict"] = Verdict.NONCONFORMING.value
            out["motivo"] = "; ".join(f"{x['nome']} = {x['soma']} (> 1)" for x in failed)
    return out


def _sample_context(sample_id: int) -> tuple[str | None, int | None] | None:
    row = session.execute(select(CollectionPoint.kind, Sample.system_id).join(
        CollectionPoint, CollectionPoint.id == Sample.point_id).where(
        Sample.id == sample_id)).first()
    return (row[0], row[1]) if row else None


@transactional
def enter_result(sample: SampleRef, parameter: ParameterRef, text: str, *,
                 analysed_at: dt.datetime | None = None, analyst_id: int | None = None,
                 entered_by_id: int | None = None, method: str | None = None,
                 instrument: str | None = None, report_id: int | None = None,
                 confirm_implausible: bool = False, observation: str | None = None,
                 supersedes: Result | None = None, method_id: int | None = None,
                 instrument_id: int | None = None, known_new: bool = False,
                 shared: dict | None = None) -> Result:
    """Record one analysis. A second entry for the same parameter needs a correction or a
    reanalysis (history is append-only). known_new: the caller has just seen that the cell
    has no standing result; `shared`: a dict the results of one post share (the method,
    competence, ranges and rule of their parameter, read once: lab_checks.before_entry)."""
    collected_on = _local_date(sample.collected_at)
    if sample.system_id is not None and collected_on is not None:
        month_lock.assert_open(sample.system_id, collected_on, sample.point_id)
    if supersedes is None and not known_new and active_result(sample.id, parameter.id) is not None:
        raise Conflict(f"A amostra {sample.code} já tem resultado de {parameter.name}; "
                       "use correção ou reanálise.", code="resultado_existente")
    m, shown = _measure(text, parameter)
    if not confirm_implausible and not plausible(m.value, parameter.plausible_low,
                                                 parameter.plausible_high):
        msg = (f"{shown} {parameter.unit} está fora da faixa plausível "
               f"({_plausible_text(parameter)}); confira e confirme o valor para registrar.")
        raise ValidationError(msg, code="fora_da_faixa_plausivel", fields={"valor": [msg]})
    now = utcnow()
    analysed_at = analysed_at or now
    if analysed_at > now + dt.timedelta(minutes=5):
        raise ValidationError("A data da análise está no futuro.",
                              fields={"analisado_em": ["Data no futuro."]})
    if sample.collected_at and analysed_at < sample.collected_at - dt.timedelta(minutes=5):
        raise ValidationError("A data da análise é anterior à coleta.",
                              fields={"analisado_em": ["Anterior a coleta."]})
    lims_ = scoped_limits(parameter, sample.point_kind, sample.system_id)
    # issue 20: method, competence, calibration, uncertainty and the decision rule
    facts = lab_checks.before_entry(parameter.id, m, analysed_at, analyst_id=analyst_id or entered_by_id,
                                    method_id=method_id, instrument_id=instrument_id,
                                    method_text=method, correction=supersedes is not None,
                                    shared=shared)
    c = facts.judge(check_all(m, lims_, parameter.unit), m, lims_, parameter.unit)
    r = Result(
        sample_id=sample.id, sample_code=sample.code, parameter_id=parameter.id,
        parameter_code=parameter.code, parameter_name=parameter.name, point_id=sample.point_id,
        point_kind=sample.point_kind, point_code=sample.point_code, point_name=sample.point_name,
        system_id=sample.system_id, system_name=sample.system_name,
        collected_at=sample.collected_at, collected_on=collected_on,
        is_recoleta=sample.is_recoleta, value=m.value, value_text=shown,
        qualifier=m.qualifier.value, unit=parameter.unit, ld=parameter.ld, lq=parameter.lq,
        method=method or parameter.method, instrument=instrument, analysed_at=analysed_at,
        analyst_id=analyst_id or entered_by_id, entered_by_id=entered_by_id, report_id=report_id,
        outside_plausible_confirmed=not plausible(m.value, parameter.plausible_low,
                                                  parameter.plausible_high),
        observation=observation, verdict=c.verdict.value,
        standard=describe_all(lims_, parameter.unit), state=ResultState.ENTERED,
    )
    facts.apply(r)
    session.add(r)
    session.flush()
    if supersedes is None:
        lab_checks.after_entry(r, facts)  # holding time / arrival temperature holds (issue 20)
        after_entry(sample.id)
    return r


def results_of_sample(sample_id: int, *, history: bool = False) -> list[Result]:
    stmt = select(Result).where(Result.sample_id == sample_id).order_by(Result.parameter_name,
                                                                        Result.id)
    rows = list(session.scalars(stmt))
    if history:
        return rows
    return [r for r in rows if r.state not in (ResultState.SUPERSEDED, ResultState.CANCELLED)]


def has_results(sample_id: int) -> bool:
    """Whether any result, of any state, was entered for the sample (without loading them)."""
    return session.scalar(select(Result.id).where(Result.sample_id == sample_id).limit(1)) is not None


def get(result_id: int) -> Result:
    return get_or_404(Result, result_id, "Resultado não encontrado.")


def _local_date(ts: dt.datetime | None) -> dt.date | None:
    if ts is None:
        return None
    return fmt.local_date(ts)


def resolve_parameter(parameter_id: int, *, fallback: ParameterRef | None = None) -> ParameterRef:
    """ParameterRef from part 1's catalogue (lims_parameter)."""
    p = session.get(Parameter, parameter_id)
    if p is not None:
        return _param_ref(p)
    if fallback is None:
        raise NotFound("Parâmetro não encontrado.")
    return fallback


# -- where the entry screens find samples awaiting analysis ------------------------------------
# Part 1's `samples.awaiting_analysis_refs(parameter_code | None, sample_id | None)` gives the
# samples AGUARDANDO ANALISE with their parameters; `register_entry_source` lets a test put
# another source in front of it.

_ENTRY_SOURCE = None


def register_entry_source(fn) -> None:  # type: ignore[no-untyped-def]
    global _ENTRY_SOURCE
    _ENTRY_SOURCE = fn


def awaiting_entry(parameter_code: str | None = None, sample_id: int | None = None, *,
                   sample_ids: set[int] | None = None,
                   links: bool = True) -> list[tuple[SampleRef, list[ParameterRef]]]:
    """Cells awaiting a result: (sample, its parameters without one), optionally only the
    samples `sample_ids` (a posted grid need not read every sample the lab is waiting on);
    links=False: the refs without their upstream/downstream points."""
    if _ENTRY_SOURCE is not None:
        listed = [x for x in _ENTRY_SOURCE(parameter_code, sample_id)
                  if sample_ids is None or x[0].id in sample_ids]
    else:
        listed = samples.awaiting_analysis_refs(parameter_code, sample_id, sample_ids=sample_ids,
                                                links=links)
    done = active_pairs({ref.id for ref, _ps in listed})  # one query for the whole grid
    out = []
    for ref, params in listed:
        todo = [p for p in params if (ref.id, p.id) not in done]
        if todo:
            out.append((ref, todo))
    return out


@transactional
def enter_grid(parameter_code: str, values: dict[int, str], *, user_id: int,
               confirmed: set[int] = frozenset(), instrument: str | None = None,
               analysed_at: dt.datetime | None = None,
               instrument_id: int | None = None) -> list[Result]:
    """Bulk grid: one parameter across many samples, all or nothing. Errors are reported per
    sample id in `fields`, and nothing is written when any cell is wrong."""
    posted = {sid for sid, text in values.items() if (text or "").strip()}
    pending = {ref.id: (ref, next(p for p in ps if p.code == parameter_code))
               for ref, ps in awaiting_entry(parameter_code, sample_ids=posted, links=False)
               if any(p.code == parameter_code for p in ps)}
    if instrument_id is not None:  # once for the grid: one clear message, not one per cell
        methods.assert_instrument_usable(instrument_id, analysed_at or utcnow())
    errors: dict[str, list[str]] = {}
    out = []
    shared: dict = {}  # the parameter's method, competence, ranges and rule, read once
    for sid, text in values.items():
        if not (text or "").strip():
            continue
        if sid not in pending:
            errors[str(sid)] = ["Amostra não esta aguardando este parâmetro."]
            continue
        ref, p = pending[sid]
        try:
            with session.begin_nested():
                out.append(enter_result(ref, p, text, analysed_at=analysed_at, analyst_id=user_id,
                                        entered_by_id=user_id, instrument=instrument,
                                        confirm_implausible=sid in confirmed,
                                        instrument_id=instrument_id, known_new=True,
                                        shared=shared))
        except (ValidationError, Conflict) as exc:
            errors[str(sid)] = [exc.message]
    if errors:
        raise ValidationError(f"{len(errors)} valor(es) com problema; nada foi gravado.",
                              fields=errors)
    return out


# -- sample states driven by results: named transitions of lims.services.samples ----------------

def after_entry(sample_id: int) -> None:
    """The sample's last cell is in: it goes on to AGUARDANDO VALIDACAO."""
    left = awaiting_entry(sample_id=sample_id) if _ENTRY_SOURCE is not None \
        else cells_left(sample_id)[1]  # one statement, not the entry screens' five
    if not left:
        samples.results_entered(sample_id)


def after_validation(sample_ids: set[int]) -> None:
    for sid in sample_ids:
        left = session.scalars(select(Result.id).where(Result.sample_id == sid,
                                                       Result.state == ResultState.ENTERED)
                               .limit(1)).first()
        if left is None:
            samples.results_validated(sid)


# -- field readings (typed by the collector on the route entry) ---------------------------------

@transactional
def enter_field_readings(sample_id: int, readings: dict[str, str], *,
                         collector_id: int | None) -> list[Result]:
    """The collector's field readings become results of the sample: method "campo", entered
    and analysed by the collector, unit, LD and standard from the catalogue. They wait for
    validation like any result (four eyes: the collector cannot validate them) and then count
    in the closing; a lab correction supersedes them and the field value stays in the history.
    A reading whose parameter already has a result (a replayed entry) is left alone."""
    wanted = {k: str(v).strip() for k, v in (readings or {}).items() if str(v or "").strip()}
    if not wanted:
        return []
    ref = samples.sample_ref(sample_id)
    params = session.scalars(select(Parameter).where(Parameter.code.in_(list(wanted)),
                                                     Parameter.active.is_(True)))
    out = []
    for p in sorted(params, key=lambda p: p.code):
        pref = _param_ref(p)
        if active_result(ref.id, pref.id) is not None:
            continue
        out.append(enter_result(ref, pref, wanted[p.code],
                                analysed_at=min(ref.collected_at or utcnow(), utcnow()),
                                analyst_id=collector_id, entered_by_id=collector_id,
                                method=FIELD_METHOD, confirm_implausible=True,
                                observation="leitura de campo do coletor"))
    return out
