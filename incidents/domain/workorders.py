"""Work orders (tender 7.9): the state machine with its guards, deadlines, the closing form,
field periods and the nearest technician."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from incidents.domain.lifecycle import TransitionError


class WorkOrderState(StrEnum):
    PENDING = "pendente"
    SCHEDULED = "programado"
    POSTPONED = "postergada"
    TO_RESCHEDULE = "para_reprogramar"
    SUSPENDED_FOR_STUDY = "suspensa_estudo"
    SUSPENDED_FOR_CLOSING = "suspensa_encerramento"
    CANCELLED = "cancelada"
    CLOSED_EXECUTED = "encerrado_executado"
    CLOSED_CANCELLED = "encerrado_cancelado"
    PAUSED = "pausada"  # the technician stopped on site (rain, no access...), with a reason


WO_LABELS = dict(zip(WorkOrderState, (
    "Pendente", "Programado", "Postergada", "Para Reprogramar", "Suspensa para Estudo",
    "Suspensa para Encerramento", "Cancelada", "Encerrado - Executado", "Encerrado - Cancelado",
    "Pausada",
), strict=True))

_W = WorkOrderState
WO_TRANSITIONS: dict[WorkOrderState, frozenset[WorkOrderState]] = {
    _W.PENDING: frozenset({_W.SCHEDULED, _W.SUSPENDED_FOR_STUDY, _W.CANCELLED}),
    _W.SCHEDULED: frozenset({_W.POSTPONED, _W.TO_RESCHEDULE, _W.SUSPENDED_FOR_STUDY,
                              _W.SUSPENDED_FOR_CLOSING, _W.CLOSED_EXECUTED, _W.CANCELLED,
                              _W.PAUSED}),
    _W.PAUSED: frozenset({_W.SCHEDULED, _W.CANCELLED}),
    _W.POSTPONED: frozenset({_W.SCHEDULED, _W.TO_RESCHEDULE, _W.CANCELLED}),
    _W.TO_RESCHEDULE: frozenset({_W.SCHEDULED, _W.CANCELLED}),
    _W.SUSPENDED_FOR_STUDY: frozenset({_W.PENDING, _W.SCHEDULED, _W.CANCELLED}),
    _W.SUSPENDED_FOR_CLOSING: frozenset({_W.CLOSED_EXECUTED, _W.CLOSED_CANCELLED,
                                         _W.SCHEDULED}),
    _W.CANCELLED: frozenset({_W.CLOSED_CANCELLED}),
    _W.CLOSED_EXECUTED: frozenset(),
    _W.CLOSED_CANCELLED: frozenset(),
}
WO_CLOSED = frozenset({_W.CLOSED_EXECUTED, _W.CLOSED_CANCELLED, _W.CANCELLED})
# a move to these states needs a reason a person can read later
WO_NEEDS_REASON = frozenset({_W.CANCELLED, _W.POSTPONED, _W.PAUSED})


@dataclass(frozen=True)
class WorkOrderFacts:
    """What the machine needs to know besides the two states."""

    postponements: int = 0
    max_postponements: int = 0  # 0 = unlimited
    needs_approval: bool = False
    approved: bool = False
    assigned: bool = False
    closing_form_missing: tuple[str, ...] = ()
    open_children: tuple[str, ...] = ()  # numbers of dependent orders (desdobramento) still open


def wo_next(current: str, target: str, facts: WorkOrderFacts = WorkOrderFacts()) -> WorkOrderState:
    """The new work-order state, or TransitionError with the pt-BR reason."""
    cur, tgt = WorkOrderState(current), WorkOrderState(target)
    if tgt not in WO_TRANSITIONS[cur]:
        raise TransitionError(f"OS {WO_LABELS[cur]} não pode passar a {WO_LABELS[tgt]}")
    if tgt == _W.SCHEDULED:
        if facts.needs_approval and not facts.approved:
            raise TransitionError("Este serviço exige aprovação antes da execução")
        if not facts.assigned:
            raise TransitionError("Programar exige uma equipe ou técnico designado")
    if tgt == _W.POSTPONED and facts.max_postponements and \
            facts.postponements >= facts.max_postponements:
        raise TransitionError(
            f"Limite de {facts.max_postponements} postergações atingido para este serviço")
    if tgt == _W.CLOSED_EXECUTED and facts.open_children:
        raise TransitionError("Esta OS só pode ser executada depois das dependentes: "
                              + ", ".join(facts.open_children))
    if tgt == _W.CLOSED_EXECUTED and facts.closing_form_missing:
        raise TransitionError("Formulário de encerramento incompleto: "
                              + ", ".join(facts.closing_form_missing))
    return tgt


def wo_deadline(opened_at: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """The due time from the catalogue's deadline (unit 'horas' or 'dias')."""
    return opened_at + (dt.timedelta(hours=amount) if unit == "horas" else dt.timedelta(days=amount))


def missing_form_fields(form: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Labels of required closing-form fields without an answer."""
    return tuple(str(f.get("label") or f["name"]) for f in form
                 if f.get("required", True) and str(answers.get(f["name"], "")).strip() == "")


def periods(actions: Iterable[tuple[str, dt.datetime]]) -> dict[str, float | None]:
    """Travel / waiting / execution minutes from the technician's timestamped steps."""
    first: dict[str, dt.datetime] = {}
    for kind, at in sorted(actions, key=lambda a: a[1]):
        first.setdefault(kind, at)

    def minutes(a: str, b: str) -> float | None:
        if a in first and b in first and first[b] >= first[a]:
            return round((first[b] - first[a]).total_seconds() / 60, 1)
        return None

    return {"deslocamento": minutes("a_caminho", "chegou"),
            "espera": minutes("chegou", "inicio"),
            "execucao": minutes("inicio", "encerrar")}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class TechCandidate:
    id: int
    skills: tuple[str, ...]
    available: bool
    latitude: float | None
    longitude: float | None


def nearest_technician(candidates: Iterable[TechCandidate], skill: str, lat: float | None,
                       lon: float | None) -> tuple[int, float | None] | None:
    """(technician id, km) of the nearest available one with the skill; those without a known
    position come after every located one; None when nobody fits."""
    best: tuple[float, int, float | None] | None = None
    for c in candidates:
        if not c.available or (skill and skill not in c.skills):
            continue
        if None in (lat, lon, c.latitude, c.longitude):
            key, km = math.inf, None
        else:
            km = haversine_km(lat, lon, c.latitude, c.longitude)  # type: ignore[arg-type]
            key = km
        if best is None or (key, c.id) < (best[0], best[1]):
            best = (key, c.id, km)
    return (best[1], None if best[2] is None else round(best[2], 2)) if best else None
