"""LIMS services: the SISAGUA forms that read beyond the lab (issue 19 part 3): the
infrastructure/operational counts of a month (repairs, intermittence, complaints, from
incidents, work orders and the ETA stoppages telemetry reports), the annual summary of the
results, and the action taken on an out-of-standard result (its incident's actions and work
orders). Both layouts and the counting rules are data (lims/data/sisagua_layouts.toml,
UNVERIFIED).

lims imports no incidents module: the composition root hands `incidents.api` to the app
(`app.extensions["saae_operations_source"]`, saae/app.py) and this module reads it through the
`OperationsSource` protocol, as lims.services.sensor_lab reads telemetry."""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

from flask import current_app, has_app_context
from sqlalchemy import func, select

from core import fmt
from core.db import session
from lims.domain import sisagua_forms as forms
from lims.domain import sisagua_operations as ops
from lims.domain.plans import where_of
from lims.domain.vmp import Verdict
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint, SupplySystem, Unit
from lims.models.results import EtaStoppage, Result, ResultState

SPEC_FILE = Path(__file__).parents[1] / "data" / "sisagua_layouts.toml"
DONE = (ResultState.ENTERED, ResultState.VALIDATED, ResultState.PUBLISHED)
ANNUAL_POINT = {"captacao": "CAPTAÇÃO", "saida": "SAÍDA DO TRATAMENTO",
                "filtrada": "SAÍDA DO TRATAMENTO", "rede": "SISTEMA DE DISTRIBUIÇÃO"}
ACTIONS_SHOWN = 3  # the last actions of an incident written in "Providência do controle"


class OperationsSource(Protocol):
    """What lims reads of incidents (incidents.api, handed over by the composition root)."""

    def operational_facts(self, start: dt.datetime, end: dt.datetime) -> list[Any]: ...

    def facts_for_results(self, result_ids: list[int]) -> dict[int, list[Any]]: ...


class _NoSource:
    """No incidents area mounted (a bare lims app, a script): nothing to read."""

    def operational_facts(self, start: dt.datetime, end: dt.datetime) -> list[Any]:
        return []

    def facts_for_results(self, result_ids: list[int]) -> dict[int, list[Any]]:
        return {}


def source() -> OperationsSource:
    found = current_app.extensions.get("saae_operations_source") if has_app_context() else None
    return found if found is not None else _NoSource()


@functools.cache
def spec() -> dict[str, Any]:
    with SPEC_FILE.open("rb") as fh:
        return tomllib.load(fh)


@functools.cache
def layouts() -> dict[str, forms.Layout]:
    """The two layouts kept as data: "operacional" and "anual"."""
    op, an = spec()["operacional"], spec()["anual"]
    return {
        "operacional": forms.data_layout("operacional", op, {
            "Campo": tuple(f["label"] for f in op["fields"])}, counts=("Valor",)),
        "anual": forms.data_layout("anual", an, {
            "Ponto": tuple(an["points"]),
            "Grupo": (*an["groups"].values(), an["other_group"])},
            counts=[c for c in an["columns"] if c.startswith("Número")]),
    }


# -- the infrastructure / operational month -------------------------------------------------

def month_window(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The local month as aware datetimes (the settings' zone)."""
    ny, nm = fmt.month_add(year, month, 1)
    tz = fmt.zone()
    return dt.datetime(year, month, 1, tzinfo=tz), dt.datetime(ny, nm, 1, tzinfo=tz)


class _Places:
    """Where a system is: its unit and point codes, its sectors (by code and neighbourhood)."""

    def __init__(self, s: SupplySystem) -> None:
        units = list(session.scalars(select(Unit).where(Unit.system_id == s.id, Unit.active.is_(True))))
        by_id = {u.id: u for u in units}
        self.system_id = s.id
        self.codes = {u.code for u in units} | set(session.scalars(select(CollectionPoint.code).where(
            CollectionPoint.system_id == s.id)))
        self.etas = [u.code for u in units if u.kind == "eta"]
        self.sector: dict[str, str] = {}
        self.hoods = {str(h).casefold() for h in (s.neighbourhoods or [])}
        self.sector_of_hood: dict[str, str] = {}
        for u in units:
            top = by_id.get(u.parent_id) if u.parent_id else u
            if top is not None and top.kind == "setor":
                self.sector[u.code] = top.name
                for h in u.neighbourhoods or []:
                    self.sector_of_hood[str(h).casefold()] = top.name
                    self.hoods.add(str(h).casefold())

    def holds(self, f: Any) -> bool:
        hoods = {str(h).casefold() for h in f.neighbourhoods}
        return (f.system_id == self.system_id or f.asset_code in self.codes
                or bool(set(f.sector_codes) & self.codes) or bool(hoods & self.hoods))

    def area(self, f: Any, unplaced: str) -> str:
        for code in (*f.sector_codes, f.asset_code):
            if code in self.sector:
                return self.sector[code]
        for h in f.neighbourhoods:
            if str(h).casefold() in self.sector_of_hood:
                return self.sector_of_hood[str(h).casefold()]
        return unplaced


def _facts(places: _Places, start: dt.datetime, end: dt.datetime,
           unplaced: str) -> list[ops.Fact]:
    out = []
    for f in source().operational_facts(start, end):
        if not places.holds(f):
            continue
        groups = tuple(w.service_group for w in f.work_orders
                       if w.executed_at is not None and start <= w.executed_at < end)
        out.append(ops.Fact(places.area(f, unplaced), f.kind, f.origin, f"{f.title} {f.reason}",
                            start <= f.opened_at < end, groups))
    return out


def _stoppages(places: _Places, start: dt.datetime, end: dt.datetime) -> int:
    if not places.etas:
        return 0
    return session.scalar(select(func.count()).select_from(EtaStoppage).where(
        EtaStoppage.eta_code.in_(places.etas), EtaStoppage.started_at >= start,
        EtaStoppage.started_at < end)) or 0


def operational_counts(s: SupplySystem, year: int, month: int) -> Counter[tuple[str, str]]:
    """{(area, field code): count} of the month; the whole system's area holds the ETA
    stoppages."""
    op = spec()["operacional"]
    places = _Places(s)
    start, end = month_window(year, month)
    return ops.counts(ops.rules_from(op["fields"]), _facts(places, start, end, op["unplaced"]),
                      {op["whole_system"]: _stoppages(places, start, end)})


def rows_operational(s: SupplySystem, year: int, month: int,
                     supply: list[str]) -> list[list[str]]:
    """The system as a whole, every field (zeros sent); then each area with a count."""
    op = spec()["operacional"]
    rules = ops.rules_from(op["fields"])
    got = operational_counts(s, year, month)
    head = [str(year), str(month), *supply]
    rows = [head + [op["whole_system"], r.label, str(sum(n for (_a, c), n in got.items()
                                                         if c == r.code))] for r in rules]
    for area in sorted({a for a, _c in got} - {op["whole_system"]}):
        rows += [head + [area, r.label, str(got[(area, r.code)])] for r in rules
                 if got[(area, r.code)]]
    return rows


# -- the annual summary of the results ------------------------------------------------------

def rows_annual(s: SupplySystem, year: int, month: int, supply: list[str]) -> list[list[str]]:
    """One row per point type x parameter of the year's results up to the month's end."""
    an = spec()["anual"]
    end = dt.date(*fmt.month_add(year, month, 1), 1)
    groups = dict(session.execute(select(Parameter.code, Parameter.group)).all())
    stmt = (select(Result.point_kind, Result.parameter_code, Result.parameter_name,
                   Result.is_recoleta, Result.verdict)
            .where(Result.system_id == s.id, Result.collected_on >= dt.date(year, 1, 1),
                   Result.collected_on < end, Result.state.in_(DONE)))
    tally: dict[tuple[str, str], list[Any]] = {}
    for kind, code, name, again, verdict in session.execute(stmt):
        key = (ANNUAL_POINT[where_of(kind or "")], code)
        row = tally.setdefault(key, [name, 0, 0, 0])
        if again:
            row[3] += 1
            continue
        row[1] += 1
        row[2] += verdict == Verdict.NONCONFORMING
    order = {p: i for i, p in enumerate(an["points"])}
    return [[str(year), str(month), *supply, point,
             an["groups"].get(groups.get(code, ""), an["other_group"]), name, str(n), str(bad),
             str(again)]
            for (point, code), (name, n, bad, again) in sorted(
                tally.items(), key=lambda kv: (order[kv[0][0]], kv[1][0]))]


# -- the action taken on an out-of-standard result ------------------------------------------

def incident_actions(result_ids: list[int]) -> dict[int, list[str]]:
    """{result id: what its incidents say was done}: "incidente P (situação) - last actions;
    OS N service (situação)"; the actions that only follow a listed work order are left out."""
    out: dict[int, list[str]] = {}
    for rid, facts in source().facts_for_results(result_ids).items():
        for f in facts:
            numbers = [w.number for w in f.work_orders]
            acts = [a.text for a in f.actions if not any(n in a.text for n in numbers)]
            text = f"incidente {f.protocol} ({f.state_label.lower()})"
            if acts[-ACTIONS_SHOWN:]:
                text += ": " + ", ".join(acts[-ACTIONS_SHOWN:])
            text += "".join(f"; {w.number} {w.service_name} ({w.state_label.lower()})"
                            for w in f.work_orders)
            out.setdefault(rid, []).append(text)
    return out
