"""The demo's lab month: results entered, validated, published and closed."""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from sqlalchemy import select

from core import fmt
from core.auth import User
from core.db import session, utcnow
from lims.domain.samples import SampleState
from lims.models.results import Result
from lims.models.samples import Sample
from lims.services import closing, validation
from lims.services.refs import ParameterRef
from lims.services.results import enter_field_readings, enter_result
from lims.services.samples import awaiting_analysis_refs

log = logging.getLogger(__name__)



def demo_sample_refs(first: dt.date, last: dt.date) -> list[tuple[Any, list[Any]]]:
    """The demo's received and distributed samples collected in [first, last] with the
    parameters still without a result, as (SampleRef, [ParameterRef]) (part 2 enters their
    results). Received samples not yet distributed are left for the analysts."""
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
    distributed = set(session.scalars(select(Sample.id).where(
        Sample.state == SampleState.AWAITING_ANALYSIS,
        (Sample.assigned_analyst_id.is_not(None)) | (Sample.assigned_lab_id.is_not(None)))))
    return sorted(((ref, params) for ref, params in awaiting_analysis_refs()
                   if ref.collected_at is not None and start <= ref.collected_at < end
                   and ref.id in distributed),
                  key=lambda rp: (rp[0].collected_at, rp[0].id))
def demo_value(rnd, p: ParameterRef, kind: str, positive: bool) -> str:  # type: ignore[no-untyped-def]
    """A plausible demo value for one parameter (pt-BR text as typed by the analyst)."""
    if p.limit.absence:
        return "Presente" if positive else "Ausente"
    fixed = {"turbidez": (0.1, 0.45 if kind == "saida_tratamento" else 1.8, 2),
             "cloro_residual_livre": (0.6, 1.8, 2), "cor_aparente": (2, 9, 1),
             "fluoreto": (0.6, 0.85, 2), "ph": (6.8, 7.6, 1), "gosto_odor": (1, 2, 0)}
    if p.code == "fluoreto" and rnd.random() < 0.05:
        return "< LD"
    if p.code in fixed:
        lo, hi, n = fixed[p.code]
    elif p.limit.maximum is not None:
        lo, hi, n = float(p.limit.maximum) * 0.1, float(p.limit.maximum) * 0.5, 4
    elif p.limit.minimum is not None:
        lo, hi, n = float(p.limit.minimum) * 1.5, float(p.limit.minimum) * 3, 2
    else:
        lo, hi, n = 1.0, 10.0, 1
    return f"{rnd.uniform(lo, hi):.{n}f}".replace(".", ",")


def seed_demo_results(today: dt.date) -> None:
    """The demo's lab results: the PREVIOUS month entered, validated, published and CLOSED, and
    the current month OPEN and under way (validated up to last week, then awaiting validation).
    Called at the end of part 1's seed_demo, on the samples it walked up to reception;
    idempotent (does nothing when results exist)."""
    if session.scalars(select(Result.id).limit(1)).first() is not None:
        return
    users = {u.username: u.id for u in session.scalars(select(User))}
    analyst = users.get("analista")
    analyst2 = users.get("analista2", analyst)
    supervisor = users.get("supervisor")
    gestor = users.get("gestor", supervisor)
    if analyst is None or supervisor is None:
        log.warning("demo users missing; no demo results")
        return
    rnd = random.Random(5440)
    first_prev = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    work = demo_sample_refs(first_prev, today)

    ids = [ref.id for ref, _ in work]
    readings, collectors = {}, {}
    for sid, fr, by in session.execute(select(Sample.id, Sample.field_readings,
                                              Sample.collected_by_id).where(Sample.id.in_(ids))):
        readings[sid], collectors[sid] = fr, by
    week_ago = today - dt.timedelta(days=7)
    to_validate: list[int] = []
    positive_done = False
    for ref, params in work:
        day = fmt.local_date(ref.collected_at) if ref.collected_at else today
        if day > today or (ref.collected_at and ref.collected_at + dt.timedelta(hours=5) > utcnow()):
            continue  # not analysed yet: the current month is under way
        who = analyst if ref.id % 2 else analyst2
        # the collector's readings at the point become results first (chlorine is measured
        # there); the lab does not enter those parameters again
        in_field = enter_field_readings(ref.id, readings.get(ref.id) or {},
                                        collector_id=collectors.get(ref.id))
        done = {r.parameter_id for r in in_field}
        if day < week_ago or day < today.replace(day=1):
            to_validate.extend(r.id for r in in_field)
        for p in params:
            if p.id in done:
                continue
            pos = (p.code == "coliformes_totais" and not positive_done
                   and day.month == first_prev.month and ref.point_kind == "rede" and day.day >= 12)
            positive_done = positive_done or pos
            r = enter_result(ref, p, demo_value(rnd, p, ref.point_kind, pos),
                             analysed_at=ref.collected_at + dt.timedelta(hours=5) if ref.collected_at else None,
                             analyst_id=who, entered_by_id=who)
            if day < week_ago or day < today.replace(day=1):  # the closed month is all validated
                to_validate.append(r.id)
    validation.validate(to_validate, supervisor)
    prev_systems = sorted({ref.system_id for ref, _ in work if ref.system_id is not None
                           and ref.collected_at and fmt.local_date(ref.collected_at) < today.replace(day=1)})
    for system_id in prev_systems:
        closing.close_month(system_id, first_prev.year, first_prev.month, user_id=gestor,
                            username="gestor", auto_publish=True)
