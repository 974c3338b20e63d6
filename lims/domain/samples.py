"""The sample lifecycle: one pure state machine (no Flask, no SQLAlchemy).

PROGRAMADA -> AGUARDANDO COLETA -> COLETADA -> AGUARDANDO ANALISE -> AGUARDANDO VALIDACAO ->
VALIDADA -> PUBLICADA, plus CANCELADA (with a reason) from any state before VALIDADA.

Two backward moves exist, both with a reason and both audited:
- AGUARDANDO COLETA -> PROGRAMADA: reprogramming (new date), e.g. after "não coletada";
- AGUARDANDO VALIDACAO -> AGUARDANDO ANALISE and VALIDADA -> AGUARDANDO VALIDACAO: the
  supervisor sends a result back for reanalysis (part 2, validation).
"""

from __future__ import annotations

import enum

from core.enums import LabelledStrEnum
from core.errors import IllegalTransition, ValidationError


class SampleState(LabelledStrEnum):
    SCHEDULED = "PROGRAMADA", "Programada"
    AWAITING_COLLECTION = "AGUARDANDO COLETA", "Aguardando coleta"
    COLLECTED = "COLETADA", "Coletada"
    AWAITING_ANALYSIS = "AGUARDANDO ANALISE", "Aguardando análise"
    AWAITING_VALIDATION = "AGUARDANDO VALIDACAO", "Aguardando validação"
    VALIDATED = "VALIDADA", "Validada"
    PUBLISHED = "PUBLICADA", "Publicada"
    CANCELLED = "CANCELADA", "Cancelada"


S = SampleState

LABELS: dict[SampleState, str] = SampleState.labels()

# the forward flow, in order (CANCELADA is outside it)
FLOW: tuple[SampleState, ...] = (S.SCHEDULED, S.AWAITING_COLLECTION, S.COLLECTED,
                                 S.AWAITING_ANALYSIS, S.AWAITING_VALIDATION, S.VALIDATED,
                                 S.PUBLISHED)

CANCELLABLE: frozenset[SampleState] = frozenset(FLOW[:FLOW.index(S.VALIDATED)])

_TRANSITIONS: dict[SampleState, frozenset[SampleState]] = {
    S.SCHEDULED: frozenset({S.AWAITING_COLLECTION, S.CANCELLED}),
    S.AWAITING_COLLECTION: frozenset({S.COLLECTED, S.SCHEDULED, S.CANCELLED}),
    S.COLLECTED: frozenset({S.AWAITING_ANALYSIS, S.CANCELLED}),
    S.AWAITING_ANALYSIS: frozenset({S.AWAITING_VALIDATION, S.CANCELLED}),
    S.AWAITING_VALIDATION: frozenset({S.VALIDATED, S.AWAITING_ANALYSIS, S.CANCELLED}),
    S.VALIDATED: frozenset({S.PUBLISHED, S.AWAITING_VALIDATION}),
    S.PUBLISHED: frozenset(),
    S.CANCELLED: frozenset(),
}

# transitions that need a written reason
NEEDS_REASON: frozenset[tuple[SampleState, SampleState]] = frozenset(
    {(a, S.CANCELLED) for a in CANCELLABLE}
    | {(S.AWAITING_COLLECTION, S.SCHEDULED), (S.AWAITING_VALIDATION, S.AWAITING_ANALYSIS),
       (S.VALIDATED, S.AWAITING_VALIDATION)})

# states in which the sample may still be reprogrammed (new date)
REPROGRAMMABLE: frozenset[SampleState] = frozenset({S.SCHEDULED, S.AWAITING_COLLECTION})


def coerce(state: SampleState | str) -> SampleState:
    try:
        return SampleState(state)
    except ValueError:
        raise IllegalTransition(f"Estado de amostra desconhecido: {state!r}.") from None


def allowed_targets(current: SampleState | str) -> frozenset[SampleState]:
    return _TRANSITIONS[coerce(current)]


def label(state: SampleState | str) -> str:
    return LABELS.get(coerce(state), str(state))


def check_transition(current: SampleState | str, target: SampleState | str,
                     reason: str | None = None) -> None:
    """Raise IllegalTransition (pt-BR message) unless current -> target is allowed.
    When `reason` is given (not None), transitions that need one also need it filled."""
    a, b = coerce(current), coerce(target)
    if b not in _TRANSITIONS[a]:
        if a == b:
            msg = f"A amostra ja esta no estado {label(a)}."
        elif b is S.CANCELLED:
            msg = f"Uma amostra {label(a).lower()} não pode mais ser cancelada."
        elif not _TRANSITIONS[a]:
            msg = f"Uma amostra {label(a).lower()} não muda mais de estado."
        else:
            ok = ", ".join(label(t) for t in FLOW + (S.CANCELLED,) if t in _TRANSITIONS[a])
            msg = (f"Transição inválida: de {label(a)} para {label(b)}. "
                   f"A partir de {label(a)} só é possível: {ok}.")
        raise IllegalTransition(msg)
    if reason is not None and (a, b) in NEEDS_REASON and len(reason.strip()) < 5:
        msg = f"Informe o motivo para passar de {label(a)} para {label(b)}."
        raise ValidationError(msg, fields={"motivo": [msg]})


# -- moves driven by the results (part 2): named, guarded, typed ---------------------------------

class ResultsMove(enum.Enum):
    """What happened to a sample's results; the sample's state follows."""

    ALL_ENTERED = "todos os resultados registrados"
    ALL_VALIDATED = "resultados validados"
    PUBLISHED = "resultados publicados"
    SENT_BACK = "reanalise"


# move -> {current state: the states the sample passes through}
_RESULTS_PATHS: dict[ResultsMove, dict[SampleState, tuple[SampleState, ...]]] = {
    ResultsMove.ALL_ENTERED: {S.AWAITING_ANALYSIS: (S.AWAITING_VALIDATION,)},
    ResultsMove.ALL_VALIDATED: {S.AWAITING_VALIDATION: (S.VALIDATED,)},
    ResultsMove.PUBLISHED: {S.VALIDATED: (S.PUBLISHED,)},
    # VALIDADA goes back through AGUARDANDO VALIDACAO: the only backward steps allowed
    ResultsMove.SENT_BACK: {S.AWAITING_VALIDATION: (S.AWAITING_ANALYSIS,),
                            S.VALIDATED: (S.AWAITING_VALIDATION, S.AWAITING_ANALYSIS)},
}


def results_path(move: ResultsMove, current: SampleState | str) -> tuple[SampleState, ...]:
    """Guard of a results-driven move: the states the sample passes through from `current`,
    each a legal transition; () when the move does not apply from there (e.g. a correction of
    a PUBLICADA sample's result: the results are the truth, the state only follows them)."""
    path = _RESULTS_PATHS[move].get(coerce(current), ())
    prev = coerce(current)
    for nxt in path:  # the table never allows what the state machine refuses
        if nxt not in _TRANSITIONS[prev]:
            raise IllegalTransition(f"{move.name}: {label(prev)} -> {label(nxt)}")
        prev = nxt
    return path


def follow_state(current: SampleState | str, target: SampleState | str) -> tuple[SampleState, ...]:
    """The results-driven path from `current` to `target` ((): not from here)."""
    tgt = coerce(target)
    for move in ResultsMove:
        path = results_path(move, current)
        if path and path[-1] is tgt:
            return path
    return ()
