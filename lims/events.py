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
