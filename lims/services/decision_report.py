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

# the decision rule each verdict was judged by, in the words the report prints beside it
SHORT_RULES = {
    DecisionRule.VALUE.value: "Aceitação simples: valor medido contra o VMP",
    DecisionRule.GUARD_BAND.value: "Banda de guarda: conforme se valor + U atende ao VMP",
}


def rule_text(rule: str | None) -> str:
    return SHORT_RULES.get(rule or DecisionRule.VALUE.value, str(rule))


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
    head = ["Amostra", "Coleta", "Ponto", "Parâmetro", "Método", "Resultado ± U",
            "Padrão", "Regra de decisão", "Situação"]
    body = [[r.sample_code, fmt.date(r.collected_at), r.point_name, r.parameter_name,
             "leitura de campo" if r.method == "campo" else r.method or "", with_uncertainty(r), r.standard, rule_text(r.decision_rule),
             VERDICT_LABELS.get(r.verdict, r.verdict)]
            for r in session.scalars(stmt.order_by(Result.collected_at, Result.sample_code,
                                                   Result.parameter_name))]
    return (f"Incerteza e regra de decisão {month:02d}/{year} (ISO/IEC 17025 7.8.6; U expandida, "
            "k = 2, cerca de 95%)", head, body)
