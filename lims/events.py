"""Events the laboratory publishes (other areas subscribe through saae/wiring.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class SampleNonConformant(Event):
    """A validated result is outside the standard (published once per result)."""

    sample_id: int
    sample_code: str
    result_id: int
    parameter_code: str
    parameter_name: str
    value: str  # as reported: "0,8", "PRESENCA", "< LD"
    unit: str
    vmp: str  # human-readable rule, e.g. "<= 5,0 uT" or "Ausencia em 100 mL"
    point_id: int
    point_code: str
    point_name: str
    system_id: int
    system_name: str
    collected_at: dt.datetime | None
    latitude: float | None = None
    longitude: float | None = None
    neighbourhoods: tuple[str, ...] = ()
    severity: str = "alta"  # alta (microbiologico / saude) | media
    parameter_group: str = ""  # the catalogue's group: microbiologico, organoleptico, inorganico...


@dataclass(frozen=True)
class MonthClosed(Event):
    """A month was closed (locked) for one closing scope (system, plan or reservoir)."""

    closing_id: int
    year: int
    month: int
    level: str  # sistema | plano | reservatorio
    system_id: int | None
    closed_by: str


@dataclass(frozen=True)
class SensorLabDisagreed(Event):
    """The online analyser `tag` and the lab keep disagreeing at a linked point: more than
    the rule's tolerance, the same sign, over its last `pairs` pairs (published at each new
    pair while it lasts; consumers act once)."""

    tag: str
    point_id: int
    point_code: str
    point_name: str
    quantity: str  # cloro | turbidez | ph | condutividade
    parameter_code: str
    pairs: int
    mean_difference: float  # online minus lab, in the parameter's unit
    tolerance: float
    unit: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class ExtraSampleValidated(Event):
    """Every result of a sample another area asked for (`ref`, e.g. "incidente:12") is
    validated (published once per sample)."""

    sample_id: int
    sample_code: str
    ref: str
    role: str  # mesmo_ponto | jusante
    point_code: str
    point_name: str
    conforming: bool
    results: tuple[str, ...] = ()  # "Cloro residual livre = 0,05 mg/L (VMP ...): não conforme"
    collected_at: dt.datetime | None = None
