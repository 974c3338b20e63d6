"""LIMS services: the SISAGUA exports of one system (lims.domain.sisagua_forms): the monthly
basic-parameters form (the closing's rows, lims.services.documents), the out-of-standard
samples with the action taken (recoletas, the analyst's observation, the incident's actions and
work orders), the infrastructure/operational counts and the annual summary
(lims.services.sisagua_operations), the half-yearly form from the results, and the system's
registration data; each with its validation report and the comparison with the previous
period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core import fmt
from core.db import session
from core.errors import ValidationError
from lims.domain import sisagua_forms as forms
from lims.domain.plans import where_of
from lims.domain.sisagua import PARAMETER_LABELS
from lims.domain.vmp import Qualifier
from lims.models.catalogue import Parameter
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.results import Recoleta, Result, ResultState
from lims.services import documents, reports
from lims.services import sisagua_operations as ops
from lims.services.plan_generator import get_system

SEMESTER_POINT = {"captacao": "CAPTAÇÃO", "saida": "SAÍDA DO TRATAMENTO", "rede": "CONSUMO"}
SEMESTER_GROUP = {"inorganico": "Substâncias Inorgânicas", "organico": "Substâncias Orgânicas",
                  "agrotoxico": "Agrotóxicos", "organoleptico": "Parâmetros Organolépticos",
                  "psd": "Produtos Secundários da Desinfecção", "radioativo": "Radioatividade",
                  "cianotoxina": "Cianotoxinas"}
FILTRATION = {"filtracao_rapida": "FILTRAÇÃO RÁPIDA", "filtracao_lenta": "FILTRAÇÃO LENTA",
              "membrana": "FILTRAÇÃO EM MEMBRANA", "so_desinfeccao": "SEM FILTRAÇÃO"}
SOURCE = {"superficial": "SUPERFICIAL", "subterraneo": "SUBTERRANEO",
          "misto": "SUPERFICIAL E SUBTERRANEO"}
DISINFECTION = {"cloro_livre": "CLORO GÁS OU HIPOCLORITO", "cloramina": "CLORAMINA",
                "dioxido_de_cloro": "DIÓXIDO DE CLORO"}
ROLE_TEXT = {"mesmo_ponto": "no mesmo ponto", "montante": "a montante", "jusante": "a jusante"}
DONE = (ResultState.ENTERED, ResultState.VALIDATED, ResultState.PUBLISHED)


def supply(s: SupplySystem) -> list[str]:
    """Código and Nome da forma de abastecimento: the SISAGUA code of the registry (empty when
    not registered: the validation report says so)."""
    return [s.sisagua_code or "", s.name]


def _num(v: Any) -> str:
    """A number as SISAGUA files carry it: decimal comma, no thousands separator."""
    if v is None:
        return ""
    if isinstance(v, float):  # coordinates: a micro-degree is 0,1 m; no binary noise
        v = round(v, 6)
    return format(Decimal(str(v)).normalize(), "f").replace(".", ",")


def _value(text: str) -> str:
    """A closing row's value ("1,59000000") as the form carries it ("1,59")."""
    return _num(Decimal(text.replace(",", "."))) if forms.NUMBER.match(text or "") else text


def rows_monthly(s: SupplySystem, year: int, month: int) -> list[list[str]]:
    return [r[:2] + supply(s) + r[4:-1] + [_value(r[-1])]
            for r in documents.sisagua_rows(s.id, year, month)]


def action_taken(r: Result, incidents: dict[int, list[str]] | None = None) -> str:
    """Providência do controle: the recoletas scheduled from the result, what its incidents
    did (state, last actions, work orders) and the analyst's note."""
    parts = [f"recoleta {ROLE_TEXT.get(x.role, x.role)} em {fmt.date(x.scheduled_for)}"
             for x in session.scalars(select(Recoleta).where(Recoleta.original_result_id == r.id)
                                      .order_by(Recoleta.scheduled_for, Recoleta.id))]
    parts += (incidents if incidents is not None else ops.incident_actions([r.id])).get(r.id, [])
    if r.observation:
        parts.append(f"observação da análise: {r.observation}")
    return "; ".join(parts)


def rows_nonconforming(s: SupplySystem, year: int, month: int) -> list[list[str]]:
    out = []
    bad = reports.nonconformities(s.id, year, month)
    incidents = ops.incident_actions([r.id for r in bad])
    for r in bad:
        pt = session.get(CollectionPoint, r.point_id) if r.point_id else None
        where = where_of(r.point_kind or "")
        label = forms.POINT_LABELS.get(where, "CAPTAÇÃO" if where == "captacao" else "")
        out.append([str(year), str(month), *supply(s), fmt.date(r.collected_at), label,
                    r.parameter_name, f"{r.value_text} {r.unit}".strip(),
                    (pt.neighbourhood or "") if pt else "", r.point_name,
                    (pt.address or "") if pt else "",
                    _num(pt.latitude) if pt else "", _num(pt.longitude) if pt else "",
                    action_taken(r, incidents)])
    return out


def semester_bounds(year: int, semester: int) -> tuple[dt.date, dt.date]:
    if semester not in (1, 2):
        raise ValidationError("Semestre inválido.", fields={"semestre": ["1 ou 2"]})
    return dt.date(year, 1 if semester == 1 else 7, 1), (
        dt.date(year, 7, 1) if semester == 1 else dt.date(year + 1, 1, 1))


def _result_text(r: Result) -> str:
    if r.qualifier in (Qualifier.LT_LD, Qualifier.LT_LQ):
        return "MENOR_LD" if r.qualifier == Qualifier.LT_LD else "MENOR_LQ"
    return _num(r.value)


def rows_half_year(s: SupplySystem, year: int, semester: int) -> list[list[str]]:
    first, nxt = semester_bounds(year, semester)
    groups = dict(session.execute(select(Parameter.code, Parameter.group)).all())
    rows = session.scalars(select(Result).where(
        Result.system_id == s.id, Result.collected_on >= first, Result.collected_on < nxt,
        Result.state.in_(DONE), Result.is_recoleta.is_(False),
        Result.parameter_code.in_([c for c, g in groups.items() if g in SEMESTER_GROUP
                                   and c not in PARAMETER_LABELS]))  # the monthly ones
        .order_by(Result.collected_on, Result.point_code, Result.parameter_code))
    out = []
    for r in rows:
        where = where_of(r.point_kind or "")
        out.append([str(year), str(semester), *supply(s), fmt.date(r.collected_at),
                    fmt.date(r.analysed_at), SEMESTER_POINT.get(where, ""),
                    SEMESTER_GROUP[groups[r.parameter_code]], r.parameter_name, _num(r.ld),
                    _num(r.lq), _result_text(r)])
    return out


def rows_registry(s: SupplySystem) -> list[list[str]]:
    intakes = session.scalar(select(func.count()).select_from(CollectionPoint).where(
        CollectionPoint.system_id == s.id, CollectionPoint.active.is_(True),
        CollectionPoint.kind.in_(("captacao", "poco")))) or 0
    return [[*supply(s), s.kind, str(s.population_served), SOURCE.get(s.source_type, ""),
             str(intakes), FILTRATION.get(s.treatment_type, ""),
             DISINFECTION.get(s.disinfectant or "", "")]]


def previous(form: str, year: int, period: int) -> tuple[int, int]:
    """The period before (month, or semester for the half-yearly form; the same months of the
    year before for the annual summary)."""
    if form == "anual":
        return year - 1, period
    last = 2 if form == "semestral" else 12
    return (year - 1, last) if period == 1 else (year, period - 1)


def rows_of(form: str, s: SupplySystem, year: int, period: int) -> list[list[str]]:
    if form == "mensal":
        return rows_monthly(s, year, period)
    if form == "fora_do_padrao":
        return rows_nonconforming(s, year, period)
    if form == "semestral":
        return rows_half_year(s, year, period)
    if form == "cadastro":
        return rows_registry(s)
    if form == "operacional":
        return ops.rows_operational(s, year, period, supply(s))
    if form == "anual":
        return ops.rows_annual(s, year, period, supply(s))
    raise ValidationError("Formulário desconhecido.", fields={"formulario": list(layouts())})


def layouts() -> dict[str, forms.Layout]:
    """Every form: the verified layouts, then the two kept as data."""
    return {**forms.LAYOUTS, **ops.layouts()}


@dataclass(frozen=True)
class Export:
    layout: forms.Layout
    rows: list[list[str]]
    issues: list[forms.Issue]
    changes: list[forms.Change]
    previous: tuple[int, int] | None  # the period compared with

    @property
    def ok(self) -> bool:
        return not self.issues


def export(form: str, system_id: int, year: int, period: int) -> Export:
    """One form of one system and period (month; semester for "semestral"), validated and
    compared with the previous period (the registration data has no previous period)."""
    s = get_system(system_id)
    rows = rows_of(form, s, year, period)
    layout = layouts()[form]
    if form == "cadastro":
        return Export(layout, rows, forms.validate(layout, rows), [], None)
    prev = previous(form, year, period)
    changes = forms.compare(layout, rows_of(form, s, *prev), rows)
    return Export(layout, rows, forms.validate(layout, rows), changes, prev)
