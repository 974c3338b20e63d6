"""The demo's routes of today (the day shows as under way)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.auth import User
from core.db import session, transactional
from lims.domain.samples import SampleState
from lims.models.routes import Route, RouteState, StopOutcome
from lims.models.samples import Sample
from lims.services import samples as sample_svc
from lims.services.routes import candidates, create_route, points_by_id


@transactional
def demo_routes(today: dt.date, *, collector_id: int | None = None) -> list[Route]:
    """The demo's routes of `today`, one per system: the samples still to collect plus those
    already collected today (their stops done), so the day shows as under way. Idempotent."""
    if session.scalars(select(Route.id).where(Route.day == today)).first() is not None:
        return []
    users = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
    collector = (session.get(User, collector_id) if collector_id else
                 next((u for u in users if u.has_profile("coletor")), None))
    if collector is None:
        return []
    analyst = next((u for u in users if u.has_profile("analista")), None)
    done = list(session.scalars(select(Sample).where(
        Sample.scheduled_for == today, Sample.route_id.is_(None),
        Sample.state == SampleState.COLLECTED).options(selectinload(Sample.parameters))))
    by_system: dict[int, list[Sample]] = {}
    for s in candidates(today) + done:
        by_system.setdefault(s.system_id, []).append(s)
    out = []
    for system_id, rows in sorted(by_system.items()):
        points = points_by_id(s.point_id for s in rows)
        r = create_route(today, collector, analyst, rows, points, user_id=None, system_id=system_id,
                    start=None, notes="demonstracao")
        with sample_svc.acting(None, f"demonstração: rota {r.code} em campo"):
            for st in r.stops:
                if st.sample.state == SampleState.COLLECTED:
                    st.outcome, st.outcome_at = StopOutcome.COLLECTED, st.sample.collected_at
            if any(st.outcome for st in r.stops):
                r.state = RouteState.IN_FIELD
            session.flush()
        out.append(r)
    return out
