"""LIMS services: recoleta (re-sampling) after a positive coliform / E. coli result.

Automatic on validation of a positive in the distribution system (same point + upstream +
downstream, next day), by hand for a Supervisor (generate or cancel, with a reason). The new
sample itself (AGUARDANDO COLETA, linked to the original) is created by part 1's sample service
(`create_recoleta_sample`); the recoleta row records the link.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from core.audit import audit_context
from core.db import get_or_404, session, transactional
from core.errors import Conflict, ValidationError
from lims.domain import recoleta as rule
from lims.domain.samples import CANCELLABLE
from lims.domain.vmp import Measurement, Qualifier
from lims.models.results import Recoleta, RecoletaState, Result
from lims.services import registry, samples

log = logging.getLogger(__name__)


def _neighbours(point_id: int | None) -> tuple[list[int], list[int]]:
    if point_id is None:
        return [], []
    return registry.point_neighbours(point_id)


def _create_sample(original_sample_id: int, point_id: int, day: dt.date, reason: str) -> int | None:
    """The recoleta's new sample (AGUARDANDO COLETA, linked to the original), from part 1."""
    return samples.create_recoleta_sample(original_sample_id=original_sample_id,
                                          point_id=point_id, scheduled_for=day, reason=reason).id


def on_validated_positive(r: Result) -> list[Recoleta]:
    m = Measurement(value=r.value, qualifier=Qualifier(r.qualifier or ""))
    if not rule.needs_recoleta(r.parameter_code, r.point_kind or "", m.positive):
        return []
    return schedule(r.id, automatic=True,
                    reason=f"{r.parameter_name} positivo na amostra {r.sample_code}")


@transactional
def schedule(result_id: int, *, automatic: bool = False, reason: str = "",
             user_id: int | None = None, days: int = 1) -> list[Recoleta]:
    r = get_or_404(Result, result_id, "Resultado não encontrado.")
    if not automatic and len(reason.strip()) < 10:
        msg = "Informe o motivo da recoleta (mínimo de 10 caracteres)."
        raise ValidationError(msg, fields={"motivo": [msg]})
    up, down = _neighbours(r.point_id)
    base = r.collected_on or dt.date.today()
    planned = rule.plan(r.point_id or 0, r.point_kind or "", max(base, r.analysed_at.date()),
                        upstream=up, downstream=down, days=days)
    out = []
    with audit_context(reason=f"recoleta: {reason}"):
        for p in planned:
            exists = session.scalars(select(Recoleta).where(
                Recoleta.original_result_id == r.id, Recoleta.point_id == p.point_id,
                Recoleta.scheduled_for == p.date)).first()
            if exists is not None:
                continue
            rec = Recoleta(original_sample_id=r.sample_id, original_result_id=r.id,
                           point_id=p.point_id, role=p.role.value, scheduled_for=p.date,
                           automatic=automatic, reason=reason, created_by_id=user_id,
                           state=RecoletaState.ACTIVE)
            rec.sample_id = _create_sample(r.sample_id, p.point_id, p.date, reason)
            session.add(rec)
            out.append(rec)
        session.flush()
    return out


@transactional
def cancel(recoleta_id: int, reason: str, user_id: int) -> Recoleta:
    if len((reason or "").strip()) < 10:
        msg = "Informe o motivo do cancelamento (mínimo de 10 caracteres)."
        raise ValidationError(msg, fields={"motivo": [msg]})
    rec = get_or_404(Recoleta, recoleta_id, "Recoleta não encontrada.")
    if rec.state is RecoletaState.CANCELLED or rec.state == "cancelada":
        raise Conflict("A recoleta já esta cancelada.")
    with audit_context(reason=f"cancelamento de recoleta: {reason}"):
        rec.state = RecoletaState.CANCELLED
        rec.cancel_reason = reason.strip()
        if rec.sample_id and samples.get(rec.sample_id).state in CANCELLABLE:
            samples.cancel_sample(rec.sample_id, reason=reason, user_id=user_id)
        session.flush()
    return rec


def recoletas(*, since: dt.date | None = None, limit: int = 500) -> list[Recoleta]:
    stmt = select(Recoleta).order_by(Recoleta.scheduled_for.desc(), Recoleta.id)
    if since:
        stmt = stmt.where(Recoleta.scheduled_for >= since)
    return list(session.scalars(stmt.limit(limit)))
