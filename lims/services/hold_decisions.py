"""LIMS services: the Supervisor's decision on held results (issue 20): accept with a
justification, or order a reanalysis (the held result is superseded and the sample goes back to
the analyst) - both in one unit of work, so a decision is never half-recorded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.auth import User
from core.db import ids_in, session, transactional
from core.errors import Conflict
from lims.models.holds import HoldDecision, HoldKind, ResultHold
from lims.models.results import Result
from lims.services import holds, validation


@dataclass(frozen=True)
class HeldRow:
    hold: ResultHold
    result: Result
    kind_label: str
    decided_by: str

    @property
    def worksheet_id(self) -> int | None:
        """The worksheet of a QC hold (ref "planilha:<id>"): decided there, for the whole sheet."""
        kind, _, ident = self.hold.ref.partition(":")
        return int(ident) if self.hold.kind == HoldKind.QC.value and kind == "planilha" and ident.isdigit() else None


def listing(*, decided: bool = False, limit: int = 200) -> list[HeldRow]:
    """Undecided holds (oldest first), or the latest decisions (newest first)."""
    stmt = select(ResultHold, Result).join(Result, Result.id == ResultHold.result_id)
    stmt = (stmt.where(ResultHold.decision.is_not(None)).order_by(ResultHold.decided_at.desc())
            if decided else stmt.where(ResultHold.decision.is_(None)).order_by(ResultHold.id))
    rows = session.execute(stmt.limit(limit)).all()
    names = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(
        {h.decided_by_id for h, _r in rows if h.decided_by_id})))} if decided and rows else {}
    return [HeldRow(h, r, HoldKind(h.kind).label, names.get(h.decided_by_id or 0, ""))
            for h, r in rows]


@transactional
def decide(hold_ids: list[int], decision: HoldDecision, justification: str,
           supervisor_id: int) -> list[ResultHold]:
    """Record the decision on each hold; a reanalysis also supersedes the held results (each
    once) and sends their samples back for analysis."""
    if hold_ids and session.scalars(select(ResultHold.id).where(
            ids_in(ResultHold.id, list(hold_ids)), ResultHold.kind == HoldKind.QC.value)).first():
        # a failed QC holds the whole worksheet: reanalysing one result here would leave the
        # sheet held and its QC unanswered
        raise Conflict("Retenções do controle de qualidade são decididas na planilha de trabalho, "
                       "para todos os resultados dela de uma vez.", code="retencao_da_planilha")
    done = holds.decide(hold_ids, decision, justification, supervisor_id)
    if decision is HoldDecision.REANALYSE:
        for rid in sorted({h.result_id for h in done}):
            validation.reanalyse(rid, f"retenção: {justification.strip()}", supervisor_id)
    return done
