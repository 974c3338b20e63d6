"""What lims hands to other areas (invoices, the public site, open data): plain frozen
dataclasses below the services, so the services build them and `lims.api` re-exports them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Parameter codes of the Decreto 5.440 "parametros basicos" (invoice quality block, portal).
BASIC_PARAMETER_CODES: tuple[str, ...] = (
    "turbidez",
    "cor_aparente",
    "cloro_residual_livre",
    "fluoreto",
    "coliformes_totais",
    "escherichia_coli",
)


@dataclass(frozen=True)
class SystemInfo:
    """An active supply system as the other areas read it (`lims.api.systems`): the portal's
    system pages and map, the billing groups (which match a system by `code`)."""

    id: int
    code: str
    name: str
    kind: str  # SAA | SAC | SAI
    population_served: int
    source_type: str  # superficial | subterraneo | misto
    treatment_type: str  # filtracao_rapida | filtracao_lenta | membrana | so_desinfeccao
    neighbourhoods: tuple[str, ...]
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class PointInfo:
    """A collection point (`lims.api.points`): the portal's map and point pages, the
    incidents' extra samples."""

    id: int
    code: str
    name: str
    system_id: int
    # captacao | agua_filtrada | filtrada_combinada | saida_tratamento | reservatorio | rede |
    # ponta_de_rede | poco | torneira
    kind: str
    address: str | None
    neighbourhood: str | None
    latitude: float | None
    longitude: float | None
    active: bool


@dataclass(frozen=True)
class ParameterSummary:
    """One parameter's line of a QualitySummary: samples required, planned, analysed and
    conforming in the month, and the verdict."""

    parameter_code: str
    parameter_name: str
    unit: str
    standard: str  # the limit in words, e.g. "maximo 5,0 uT na rede"
    required: int  # samples the standard requires this month
    planned: int
    analysed: int
    conforming: int
    # conforme | nao_conforme | sem_dados | indeterminado | fora_da_recomendacao (pH outside
    # its recommended range: a recommendation, never "nao conforme")
    verdict: str
    rule: str  # the compliance rule applied, in words
    mean: float | None = None
    p95: float | None = None  # nearest-rank P95 (worst point type)
    field_readings: int = 0  # of `analysed`, readings typed by the collector in the field


@dataclass(frozen=True)
class QualitySummary:
    """A month's water quality of one scope (system, plan or reservoir), from validated results:
    the invoices' quality block (Decreto 5.440) and the portal."""

    system_id: int
    system_name: str
    year: int
    month: int
    level: str  # sistema | plano | reservatorio
    closed: bool
    parameters: tuple[ParameterSummary, ...]
    more_info: str  # where to read more (Decreto 5.440 Art. 5 I a)
    scope_id: int | None = None  # system, plan or reservoir point id of `level`
    scope_name: str = ""  # "Reservatorio Alto", "Plano 2026 v1", the system's name
    counting_rule: str = ""  # the one counting rule, printed by every reader
    rules_version: str = ""  # version of the rules the month was judged by


@dataclass(frozen=True)
class PublishedResult:
    """A result the lab has published (`lims.api.published_results`): the portal's point pages
    and the open data."""

    sample_id: int
    sample_code: str
    point_id: int
    point_name: str
    system_id: int
    collected_at: dt.datetime | None
    parameter_code: str
    parameter_name: str
    value: str  # as reported, pt-BR: "0,35", "Ausente", "< LD"
    numeric: float | None
    unit: str
    conforming: bool | None
    standard: str
    published_at: dt.datetime


@dataclass(frozen=True)
class StandardLimit:
    """A parameter's potability limit (VMP) as numbers, for charts and plain-words texts."""

    parameter_code: str
    unit: str
    minimum: float | None
    maximum: float | None
    absence: bool  # presence/absence parameters: must be absent
    text: str  # the limit in words, e.g. "<= 5,0 uT"
    plain: str  # the same for the public, e.g. "no máximo 5 uT"
