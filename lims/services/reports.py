"""LIMS services: the lab's monthly reports of tender 7.13 as (title, head, body) tables, and the
non-conformity dashboard by point."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from core import fmt
from core.db import session
from core.errors import ValidationError
from lims.domain import compliance as comp
from lims.models.results import Recoleta, Result, ResultState
from lims.services import closing, decision_report, documents, qc, quality

log = logging.getLogger(__name__)
STATE_LABELS = ResultState.choices()  # a result's "Situação" column in the tables


# -- non-conformity dashboard by point -----------------------------------------------------------

def nonconformities(system_id: int | None, year: int, month: int) -> list[Result]:
    first, nxt = closing.month_bounds(year, month)
    stmt = select(Result).where(
        Result.collected_on >= first, Result.collected_on < nxt, Result.verdict == "nao_conforme",
        Result.state.in_([ResultState.ENTERED, ResultState.VALIDATED, ResultState.PUBLISHED]))
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    return list(session.scalars(stmt.order_by(Result.point_name, Result.collected_at)))


def by_point(rows: list[Result]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.point_name or r.point_code] = counts.get(r.point_name or r.point_code, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def nonconformity_table(rows: list[Result]) -> tuple[list[str], list[list[str]]]:
    head = ["Ponto", "Amostra", "Coleta", "Parâmetro", "Resultado", "Padrão", "Situação"]
    body = [[r.point_name, r.sample_code + (" (recoleta)" if r.is_recoleta else ""),
             fmt.date(r.collected_at), r.parameter_name,
             f"{r.value_text} {r.unit}".strip(), r.standard,
             STATE_LABELS.get(str(r.state), str(r.state))] for r in rows]
    return head, body


# -- the other reports of tender 7.13, as (title, head, body) tables -----------------------------

def _month_results(system_id: int | None, year: int, month: int, *codes: str) -> list[Result]:
    first, nxt = closing.month_bounds(year, month)
    stmt = select(Result).where(Result.collected_on >= first, Result.collected_on < nxt)
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    if codes:
        stmt = stmt.where(Result.parameter_code.in_(codes))
    return list(session.scalars(stmt.order_by(Result.collected_at, Result.id)))


def report_annual(system_id: int | None, year: int, month: int) -> tuple[str, list[str], list[list[str]]]:
    """Decreto 5.440 annual report data: per basic parameter and month, analysed / conforming."""
    if system_id is None:
        raise ValidationError("Informe o sistema.", fields={"sistema": ["obrigatorio"]})
    head = ["Parâmetro"] + [f"{m:02d}/{year}" for m in range(1, 13)] + ["Total no ano"]
    rows: dict[str, list[str]] = {}
    totals: dict[str, list[int]] = {}
    for m in range(1, 13):
        if dt.date(year, m, 1) > dt.date.today():
            break
        q = quality.quality_summary(system_id, year, m, published_only=False)
        for p in q.parameters:
            rows.setdefault(p.parameter_name, [""] * 12)[m - 1] = (
                f"{p.conforming}/{p.analysed} {comp.VERDICT_LABELS.get(p.verdict, p.verdict)}")
            t = totals.setdefault(p.parameter_name, [0, 0])
            t[0] += p.conforming
            t[1] += p.analysed
    body = [[name] + cells + [f"{totals[name][0]}/{totals[name][1]} conformes"]
            for name, cells in rows.items()]
    return f"Relatório anual de qualidade da água {year} - {quality.system_name(system_id)}", head, body


def report_turbidity(system_id, year, month):  # type: ignore[no-untyped-def]
    head = ["Ponto", "Tipo", "Coleta", "Resultado (uT)", "Padrão", "Situação"]
    rs_ = _month_results(system_id, year, month, "turbidez")
    body = [[r.point_name, r.point_kind or "", fmt.date_time(r.collected_at),
             r.value_text, r.standard, comp.VERDICT_LABELS.get(r.verdict, r.verdict)] for r in rs_
            if r.state not in (ResultState.SUPERSEDED, ResultState.CANCELLED)]
    vals = [r.value for r in rs_ if r.value is not None]
    p95 = comp.percentile(vals)
    title = f"Acompanhamento de turbidez {month:02d}/{year}" + (
        f" - P95 {str(p95).replace('.', ',')} uT" if p95 is not None else "")
    return title, head, body


def report_tracking(system_id, year, month):  # type: ignore[no-untyped-def]
    head = ["Parâmetro", "Aguardando validação", "Validados", "Publicados", "Substituídos",
            "Cancelados", "Fora do padrão"]
    agg: dict[str, list[int]] = {}
    for r in _month_results(system_id, year, month):
        a = agg.setdefault(r.parameter_name, [0] * 6)
        idx = ["registrado", "validado", "publicado", "substituido", "cancelado"].index(str(r.state))
        a[idx] += 1
        if r.verdict == "nao_conforme" and r.counts:
            a[5] += 1
    body = [[k] + [str(x) for x in v] for k, v in sorted(agg.items())]
    return f"Acompanhamento das análises {month:02d}/{year}", head, body


def report_recoletas(system_id, year, month):  # type: ignore[no-untyped-def]
    first, nxt = closing.month_bounds(year, month)
    stmt = select(Recoleta, Result).join(Result, Result.id == Recoleta.original_result_id).where(
        Recoleta.scheduled_for >= first, Recoleta.scheduled_for < nxt + dt.timedelta(days=7))
    if system_id is not None:
        stmt = stmt.where(Result.system_id == system_id)
    head = ["Amostra original", "Parâmetro", "Resultado", "Ponto da recoleta", "Posição",
            "Data prevista", "Situação", "Motivo"]
    body = [[res.sample_code, res.parameter_name, res.value_text, str(rec.point_id), rec.role,
             fmt.date(rec.scheduled_for), str(rec.state),
             rec.cancel_reason or rec.reason or ""] for rec, res in session.execute(stmt)]
    return f"Acompanhamento de recoletas {month:02d}/{year}", head, body


def report_observations(system_id, year, month):  # type: ignore[no-untyped-def]
    head = ["Amostra", "Parâmetro", "Resultado", "Situação", "Observação / justificativa"]
    body = [[r.sample_code, r.parameter_name, r.value_text, STATE_LABELS.get(str(r.state), str(r.state)),
             "; ".join(x for x in (r.observation, r.change_reason,
                                   "valor fora da faixa plausível confirmado"
                                   if r.outside_plausible_confirmed else None) if x)]
            for r in _month_results(system_id, year, month)
            if r.observation or r.change_reason or r.outside_plausible_confirmed]
    return f"Observações das análises {month:02d}/{year}", head, body


def report_vigilancia(system_id, year, month):  # type: ignore[no-untyped-def]
    """The health authority's monthly control form: counts per parameter and point type, then
    every sample outside the standard (SISAGUA 'amostras fora do padrao')."""
    if system_id is None:
        raise ValidationError("Informe o sistema.", fields={"sistema": ["obrigatorio"]})
    head = ["Parâmetro", "Ponto de monitoramento", "Exigidas", "Analisadas", "Conformes",
            "Fora do padrão", "Resultado"]
    body = [[r.parameter_name, quality.WHERE_LABELS.get(r.where, r.where), str(r.required), str(r.analysed),
             str(r.conforming), str(r.nonconforming), comp.VERDICT_LABELS.get(r.verdict, r.verdict)]
            for r in documents.month_rows(system_id, year, month)[0]]
    ncs = nonconformities(system_id, year, month)
    if ncs:
        body.append(["AMOSTRAS FORA DO PADRAO", "Ponto", "Data da coleta", "Resultado", "Padrão",
                     "Amostra", "Providência do controle"])
    for r in ncs:
        body.append([r.parameter_name, r.point_name,
                     fmt.date(r.collected_at), r.value_text,
                     r.standard, r.sample_code, "____________________"])
    return (f"Formulário mensal de controle - {quality.system_name(system_id)} - {month:02d}/{year}",
            head, body)


REPORTS = {
    "anual": ("Anual (Decreto 5.440)", report_annual),
    "turbidez": ("Turbidez", report_turbidity),
    "acompanhamento": ("Acompanhamento das análises", report_tracking),
    "recoletas": ("Recoletas", report_recoletas),
    "observacoes": ("Observações", report_observations),
    "vigilancia": ("Formulário mensal da vigilância", report_vigilancia),
    "controle-qualidade": ("Controle de qualidade analítico", qc.report_qc),  # issue 20
    "incerteza": ("Incerteza e regra de decisão", decision_report.report_uncertainty),
}
