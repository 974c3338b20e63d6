"""LIMS services: holds on results (issue 20). Opened by QC, holding time or arrival
temperature checks; an undecided hold blocks validation; the Supervisor's decision (reanalyse,
or accept with a justification) is audited and stays on the record.

Reanalysis itself is the caller's business (validation.reanalyse, or a worksheet's rerun):
this module only records holds and decisions, so every layer above may use it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select

from core.db import ids_in, session, transactional, utcnow
from core.errors import Conflict, NotFound, ValidationError
from lims.models.holds import HoldDecision, HoldKind, ResultHold

MIN_JUSTIFICATION = 10


def open_hold(result_ids: Iterable[int], kind: HoldKind, reason: str, *, ref: str = "") -> list[ResultHold]:
    """Hold each result (one undecided hold per result, kind and ref: opening twice is a no-op)."""
    ids = sorted(set(result_ids))
    existing = {h.result_id for h in session.scalars(select(ResultHold).where(
        ids_in(ResultHold.result_id, ids), ResultHold.kind == kind.value,
        ResultHold.ref == ref, ResultHold.decision.is_(None)))} if ids else set()
    holds = [ResultHold(result_id=rid, kind=kind.value, reason=reason, ref=ref)
             for rid in ids if rid not in existing]
    session.add_all(holds)
    session.flush()
    return holds


def _by_result(result_ids: Iterable[int], *conditions: ColumnElement[bool]) -> dict[int, list[ResultHold]]:
    """{result_id: its holds meeting `conditions`, oldest first} for the results that have any."""
    ids = sorted(set(result_ids))
    out: dict[int, list[ResultHold]] = {}
    if ids:
        for h in session.scalars(select(ResultHold).where(
                ids_in(ResultHold.result_id, ids), *conditions).order_by(ResultHold.id)):
            out.setdefault(h.result_id, []).append(h)
    return out


def undecided(result_ids: Iterable[int]) -> dict[int, list[ResultHold]]:
    """{result_id: its undecided holds} for the results that have any."""
    return _by_result(result_ids, ResultHold.decision.is_(None))


def holds_of(result_ids: Iterable[int]) -> dict[int, list[ResultHold]]:
    """Every hold (decided or not) of the given results, oldest first (reports show them)."""
    return _by_result(result_ids)


def assert_not_held(result_ids: Iterable[int], describe: dict[int, str] | None = None) -> None:
    """Refuse validation while a result has an undecided hold (pt-BR message, code
    "resultado_retido"). `describe` maps a result id to how people name it."""
    held = undecided(result_ids)
    if not held:
        return
    rid, hs = next(iter(held.items()))
    what = (describe or {}).get(rid, f"O resultado {rid}")
    raise Conflict(f"{what} está retido ({HoldKind(hs[0].kind).label.lower()}: {hs[0].reason}); "
                   "um Supervisor precisa decidir antes da validação.", code="resultado_retido")


@transactional
def decide(hold_ids: Iterable[int], decision: HoldDecision, justification: str,
           supervisor_id: int) -> list[ResultHold]:
    """Record the Supervisor's decision on each hold (audited; a justification is required)."""
    text = (justification or "").strip()
    if len(text) < MIN_JUSTIFICATION:
        msg = f"Informe a justificativa da decisão (mínimo de {MIN_JUSTIFICATION} caracteres)."
        raise ValidationError(msg, fields={"justificativa": [msg]})
    ids = sorted(set(hold_ids))
    holds = list(session.scalars(select(ResultHold).where(ids_in(ResultHold.id, ids))))
    if len(holds) != len(ids):
        raise NotFound("Retenção não encontrada.")
    now = utcnow()
    for h in holds:
        if h.decision is not None:
            raise Conflict("Esta retenção já foi decidida.", code="retencao_decidida")
        h.decision, h.justification = decision.value, text
        h.decided_by_id, h.decided_at = supervisor_id, now
    session.flush()
    return holds
