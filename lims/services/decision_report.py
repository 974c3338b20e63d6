"""LIMS services: the month's results with their expanded uncertainty and the decision rule
each verdict was judged by, stated on the report as ISO/IEC 17025 7.8.6 requires (issue 20)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import fmt
from core.db import session
from core.errors import ValidationError
from lims.domain.compliance import VERDICT_LABELS
from lims.models.methods import DecisionRule
from lims.models.results import Result, ResultState

RULE_NOTE = ("Incerteza expandida U com fator de abrangência k = 2 (cerca de 95% de "
             "confiança), da faixa de concentração do método; regra de decisão conforme "
             "ISO/IEC 17025 item 7.8.6.")


def rule_text(rule: str | None) -> str:
    try:
        return DecisionRule(rule or DecisionRule.VALUE.value).label
    except ValueError:
        return str(rule)


def with_uncertainty(r: Result) -> str:
    """"4,80 ± 0,48 uT" (or the value as reported when it has no uncertainty)."""
    if r.uncertainty is None or r.value is None:
        return f"{r.value_text} {r.unit}".strip()
    return f"{r.value_text} ± {fmt.number(r.uncertainty, None)} {r.unit}".strip()


def report_uncertainty(system_id: int | None, year: int, month: int
                       ) -> tuple[str, list[str], list[list[str]]]:
    """(title, head, body): each standing result of the month with U and its decision rule."""
    if not 1 <= month <= 12:
        raise ValidationError("Mês inválido.", fields={"mes": ["Mês inválido."]})
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    stmt = select(Result).where(Result.collected_on >= first, Result.collected_on < nxt,
                                Result.state.not_in([ResultState.SUPERSEDED,
                                                     ResultState.CANCELLED]))
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    head = ["Amostra", "Coleta", "Ponto", "Parâmetro", "Método", "Resultado ± U (k = 2)",
            "Padrão", "Regra de decisão", "Situação"]
    body = [[r.sample_code, fmt.date(r.collected_at), r.point_name, r.parameter_name,
             r.method or "", with_uncertainty(r), r.standard, rule_text(r.decision_rule),
             VERDICT_LABELS.get(r.verdict, r.verdict)]
            for r in session.scalars(stmt.order_by(Result.collected_at, Result.sample_code,
                                                   Result.parameter_name))]
    return (f"Resultados com incerteza e regra de decisão {month:02d}/{year}. {RULE_NOTE}",
            head, body)
