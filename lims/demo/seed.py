"""The demo's lab: registry, approved plans, the previous month's samples through the whole cycle
(results entered, validated, closed and published) and the current month under way."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit import audit_context
from core.auth import User
from core.db import session
from lims.demo.quality import demo_methods, demo_quality_after_results
from lims.demo.registry import demo_registry
from lims.demo.results import seed_demo_results
from lims.demo.routes import demo_routes
from lims.demo.samples import demo_plan, walk_samples
from lims.demo.worksheets import seed_demo_worksheets
from lims.models.samples import Sample
from lims.services import plans


def seed_demo(today: dt.date) -> None:
    """The demo's lab: registry, approved plans, the previous month's samples through the whole
    cycle (part 2 enters, validates, closes and publishes them) and the current month under
    way. Idempotent."""
    users = {u.username: u.id for u in session.scalars(select(User))}
    gestor = users.get("gestor")
    first_prev = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    fresh = session.scalars(select(Sample.id).limit(1)).first() is None
    with audit_context(reason="carga da demonstração"):
        systems = demo_registry(today)
        for system in systems.values():
            for (year, month) in {(first_prev.year, first_prev.month), (today.year, today.month)}:
                plan = demo_plan(system, year, gestor, half_year_month=first_prev.month
                                 if year == first_prev.year else 1)
                plans.generate_month(plan.id, year, month, user_id=gestor)
        if fresh:
            walk_samples(today, users)

        demo_routes(today, collector_id=users.get("coletor"))  # today's routes (idempotent)
    demo_methods(today)  # issue 20: methods, instruments, competences (before the results)
    seed_demo_results(today)
    seed_demo_worksheets(today)  # issue 20: QC history, template, today's worksheets
    demo_quality_after_results(today)
