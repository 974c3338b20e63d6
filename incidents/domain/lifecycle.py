"""The incident lifecycle: states, allowed transitions, severity, reopening and automatic
resolution."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class IncidentState(StrEnum):
    OPEN = "aberto"
    UNDER_ANALYSIS = "em_analise"
    IN_PROGRESS = "em_atendimento"
    RESOLVED = "resolvido"
    CLOSED = "encerrado"
    CANCELLED = "cancelado"


INCIDENT_LABELS = dict(zip(IncidentState, ("Aberto", "Em análise", "Em atendimento", "Resolvido",
                                            "Encerrado", "Cancelado"), strict=True))

_I = IncidentState
INCIDENT_TRANSITIONS: dict[IncidentState, frozenset[IncidentState]] = {
    _I.OPEN: frozenset({_I.UNDER_ANALYSIS, _I.IN_PROGRESS, _I.RESOLVED, _I.CANCELLED}),
    _I.UNDER_ANALYSIS: frozenset({_I.IN_PROGRESS, _I.RESOLVED, _I.CANCELLED}),
    _I.IN_PROGRESS: frozenset({_I.UNDER_ANALYSIS, _I.RESOLVED, _I.CANCELLED}),
    _I.RESOLVED: frozenset({_I.CLOSED, _I.OPEN, _I.IN_PROGRESS}),  # it came back
    _I.CLOSED: frozenset(),
    _I.CANCELLED: frozenset(),
}
OPEN_INCIDENT_STATES = frozenset({_I.OPEN, _I.UNDER_ANALYSIS, _I.IN_PROGRESS})


class TransitionError(ValueError):
    """A state change the machine does not allow (services turn it into IllegalTransition)."""


def incident_next(current: str, target: str) -> IncidentState:
    """The new state, or TransitionError if `current -> target` is not allowed."""
    cur, tgt = IncidentState(current), IncidentState(target)
    if tgt not in INCIDENT_TRANSITIONS[cur]:
        raise TransitionError(
            f"Incidente {INCIDENT_LABELS[cur]} não pode passar a {INCIDENT_LABELS[tgt]}")
    return tgt


SEVERITIES = ("baixa", "media", "alta", "critica")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def escalates(current: str, new: str) -> bool:
    return severity_rank(new) > severity_rank(current)


REOPEN_WINDOW = dt.timedelta(hours=2)


def should_reopen(state: str, resolved_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A new anomaly soon after an (automatic) resolution is the same problem coming back."""
    return state == _I.RESOLVED and resolved_at is not None and now - resolved_at <= REOPEN_WINDOW


def should_auto_resolve(*, enabled: bool, state: str, open_work_orders: int,
                        any_work_orders: int) -> bool:
    """An anomaly that cleared before anyone acted resolves its incident (when enabled)."""
    return (enabled and state in (_I.OPEN, _I.UNDER_ANALYSIS) and open_work_orders == 0
            and any_work_orders == 0)
