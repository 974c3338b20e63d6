"""LIMS services: what the quality system checks around a result (issue 20).

Before a result is written: the method it is measured by, the analyst's competence in it, the
instrument's calibration (lims.services.methods), and the expanded uncertainty from the
method's range. At the verdict: the parameter's decision rule (value only, or guard band = U).
After it is written: the holding time (collection -> analysis) and the arrival temperature,
which open a hold (lims.services.holds) a Supervisor decides. And the time left that the
reception and entry screens show, and the held results a month's closing lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import fmt
from core.auth import User
from core.db import ids_in, session, utcnow
from lims.domain import uncertainty as unc
from lims.domain.limits import Check, ScopedLimit
from lims.domain.vmp import Measurement
from lims.models.catalogue import Parameter
from lims.models.holds import HoldDecision, HoldKind, ResultHold
from lims.models.methods import DecisionRule, Instrument, Method, ParameterRule
from lims.models.results import Result
from lims.models.samples import Sample, SampleParameter
from lims.services import holds, methods, parameter_rules

FIELD_METHOD = "campo"  # the collector's field readings: no bench, no holding time


@dataclass(frozen=True)
class EntryFacts:
    """What the quality system adds to one result being entered."""

    method: Method | None
    instrument: Instrument | None
    uncertainty: Decimal | None
    decision_rule: DecisionRule
    rule: ParameterRule | None = None  # the parameter's rule (holding time, temperature)

    def judge(self, check: Check, m: Measurement, limits: tuple[ScopedLimit, ...],
              unit: str) -> Check:
        """The verdict under the parameter's decision rule (ISO/IEC 17025 7.8.6)."""
        if self.decision_rule is DecisionRule.GUARD_BAND:
            return unc.guard_band(check, m, tuple(limits), self.uncertainty, unit)
        return check

    def apply(self, r: Result) -> None:
        """Write the method, instrument, uncertainty and decision rule onto the result."""
        if self.method is not None:
            r.method_id = self.method.id
            r.method = f"{self.method.name} ({self.method.reference})" if self.method.reference \
                else self.method.name
        if self.instrument is not None:
            r.instrument_id = self.instrument.id
            r.instrument = f"{self.instrument.code} - {self.instrument.name}"[:120]
        r.uncertainty = self.uncertainty
        r.decision_rule = self.decision_rule.value


def before_entry(parameter_id: int, m: Measurement, analysed_at: dt.datetime, *,
                 analyst_id: int | None, method_id: int | None = None,
                 instrument_id: int | None = None, method_text: str | None = None,
                 correction: bool = False, shared: dict | None = None) -> EntryFacts:
    """Refuse a result the quality system does not allow (instrument out of calibration,
    analyst not authorised for the method) and gather what it adds to the result. A field
    reading has no bench method; a correction keeps the analysis it corrects. `shared`: a
    dict kept by the caller across the results of one post, where the method (competence
    checked), its ranges and the parameter's rule are kept once read (a refusal is not kept:
    the next result is refused again)."""
    field = method_text == FIELD_METHOD
    key = (parameter_id, method_id, analyst_id, field, correction)
    got = (shared if shared is not None else {}).get(key)
    if got is None:
        meth = None if field else methods.method_for(parameter_id, method_id)
        if meth is not None and not correction:
            methods.assert_competent(analyst_id, meth)
        ranges = [unc.Range(r.low, r.high, r.u_abs, r.u_rel)
                  for r in methods.ranges(meth.id)] if meth is not None else []
        got = (meth, ranges, parameter_rules.rule_of(parameter_id))
        if shared is not None:
            shared[key] = got
    meth, ranges, rule = got
    inst = (methods.assert_instrument_usable(instrument_id, analysed_at)
            if instrument_id is not None and not correction else None)
    u = unc.expanded_uncertainty(m.value, ranges) if meth is not None and m.value is not None \
        else None
    decision = DecisionRule(rule.decision_rule) if rule is not None else DecisionRule.VALUE
    return EntryFacts(meth, inst, u, decision, rule)


# -- holding time and arrival temperature ---------------------------------------------------------

def deadline(collected_at: dt.datetime | None, rule: ParameterRule | None) -> dt.datetime | None:
    if collected_at is None or rule is None or rule.max_hours is None:
        return None
    return collected_at + dt.timedelta(hours=float(rule.max_hours))


def temperature_ok(temp: Decimal | None, rule: ParameterRule | None) -> bool:
    if temp is None or rule is None:
        return True
    return not ((rule.temp_min is not None and temp < rule.temp_min)
                or (rule.temp_max is not None and temp > rule.temp_max))


def _range_text(rule: ParameterRule) -> str:
    lo = fmt.number(rule.temp_min, 1) if rule.temp_min is not None else None
    hi = fmt.number(rule.temp_max, 1) if rule.temp_max is not None else None
    if lo is not None and hi is not None:
        return f"de {lo} a {hi} °C"
    return f"até {hi} °C" if hi is not None else f"a partir de {lo} °C"


def after_entry(r: Result, facts: EntryFacts | None = None) -> list[ResultHold]:
    """Open the holds a new result deserves: analysed past the parameter's holding time, or
    of a sample received out of the parameter's temperature range (`facts`: what
    before_entry read for it, the parameter's rule among them)."""
    if r.method == FIELD_METHOD:
        return []
    rule = facts.rule if facts is not None else parameter_rules.rule_of(r.parameter_id)
    if rule is None:
        return []
    out: list[ResultHold] = []
    limit = deadline(r.collected_at, rule)
    if limit is not None and r.analysed_at > limit:
        late = r.analysed_at - r.collected_at  # type: ignore[operator]
        reason = (f"analisada {fmt.number(late.total_seconds() / 3600, 1)} h após a coleta; "
                  f"o prazo de {r.parameter_name} é de {fmt.number(rule.max_hours, 0)} h "
                  f"(venceu em {fmt.date_time(limit)})")
        out += holds.open_hold([r.id], HoldKind.HOLDING_TIME, reason, ref=f"prazo:{r.id}")
    temp = session.scalar(select(Sample.arrival_temperature).where(Sample.id == r.sample_id))
    if not temperature_ok(temp, rule):
        reason = (f"amostra recebida a {fmt.number(temp, 1)} °C; a faixa de {r.parameter_name} "
                  f"é {_range_text(rule)}")
        out += holds.open_hold([r.id], HoldKind.TEMPERATURE, reason, ref=f"temperatura:{r.id}")
    return out


@dataclass(frozen=True)
class TimeLeft:
    """The tightest holding time of a sample's parameters, as the screens show it."""

    parameter_name: str
    deadline: dt.datetime
    hours_left: float
    temperature_alert: str = ""

    @property
    def expired(self) -> bool:
        return self.hours_left < 0

    @property
    def text(self) -> str:
        if self.expired:
            return f"{self.parameter_name}: prazo vencido em {fmt.date_time(self.deadline)}"
        h = int(self.hours_left)
        return f"{self.parameter_name}: {h} h {int((self.hours_left - h) * 60):02d} min restantes"

    @property
    def tone(self) -> str:
        return "falha" if self.expired else "alerta" if self.hours_left < 4 else "ok"


def time_left(sample_ids: list[int], now: dt.datetime | None = None, *,
              parameter_id: int | None = None) -> dict[int, TimeLeft]:
    """{sample_id: the tightest holding time among its parameters (or of `parameter_id`), and a
    temperature alert} for the samples that have a rule; one query for the samples, their
    parameters' names and rules."""
    now = now or utcnow()
    if not sample_ids:
        return {}
    stmt = (select(Sample.id, Sample.collected_at, Sample.arrival_temperature,
                   SampleParameter.parameter_id, Parameter.name, ParameterRule)
            .join(SampleParameter, SampleParameter.sample_id == Sample.id)
            .join(Parameter, Parameter.id == SampleParameter.parameter_id)
            .join(ParameterRule, ParameterRule.parameter_id == SampleParameter.parameter_id)
            .where(ids_in(Sample.id, sorted(set(sample_ids)))))
    if parameter_id is not None:
        stmt = stmt.where(SampleParameter.parameter_id == parameter_id)
    rows = session.execute(stmt).all()
    names = {pid: name for _s, _c, _t, pid, name, _r in rows}
    out: dict[int, TimeLeft] = {}
    alerts: dict[int, list[str]] = {}
    for sid, collected, temp, pid, _name, rule in rows:
        if not temperature_ok(temp, rule):
            alerts.setdefault(sid, []).append(f"{names[pid]} ({_range_text(rule)})")  # type: ignore[arg-type]
        limit = deadline(collected, rule)
        if limit is None:
            continue
        left = (limit - now).total_seconds() / 3600
        if sid not in out or left < out[sid].hours_left:
            out[sid] = TimeLeft(names[pid], limit, left)
    temps = {sid: temp for sid, _c, temp, *_rest in rows}
    for sid, names_out in alerts.items():
        alert = f"{fmt.number(temps[sid], 1)} °C fora da faixa de " + ", ".join(sorted(set(names_out)))
        got = out.get(sid)
        out[sid] = TimeLeft(got.parameter_name, got.deadline, got.hours_left, alert) if got \
            else TimeLeft("", now + dt.timedelta(days=3650), 87600.0, alert)
    return out


# -- the month's closing -------------------------------------------------------------------------

def held_in_month(system_id: int, first: dt.date, nxt: dt.date) -> list[dict[str, Any]]:
    """The month's results that were held (holding time, temperature, QC): undecided or
    accepted with a justification (a reanalysed result no longer counts), for the closing."""
    rows = session.execute(select(ResultHold, Result).join(Result, Result.id == ResultHold.result_id)
                           .where(Result.system_id == system_id, Result.collected_on >= first,
                                  Result.collected_on < nxt)
                           .order_by(Result.collected_on, Result.sample_code, ResultHold.id)).all()
    users = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(
        {h.decided_by_id for h, _r in rows if h.decided_by_id})))} if rows else {}
    out = []
    for h, r in rows:
        if h.decision == HoldDecision.REANALYSE.value:
            continue
        out.append({"sample_code": r.sample_code, "parameter_name": r.parameter_name,
                    "value": f"{r.value_text} {r.unit}".strip(), "kind": HoldKind(h.kind).label,
                    "reason": h.reason, "accepted": h.decision == HoldDecision.ACCEPT.value,
                    "justification": h.justification or "",
                    "decided_by": users.get(h.decided_by_id or 0, ""),
                    "decided_at": fmt.date_time(h.decided_at) if h.decided_at else ""})
    return out
