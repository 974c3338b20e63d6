"""The demo data: a closed previous month (published) and an open current month."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from lims import api
from lims.models.results import Recoleta, Result, ResultState
from lims.services import closing
from lims.services.results import seed_demo_results


def test_demo_has_a_closed_month_and_an_open_one(db):
    from core.auth import User
    from saae.seed import DEMO_USERS, create_user

    have = set(db.scalars(select(User.username)))
    for username, name, profiles in DEMO_USERS:
        if username not in have:
            create_user(username, name, profiles, "Senha#Forte2026")
    db.commit()
    today = dt.date.today()
    prev = today.replace(day=1) - dt.timedelta(days=1)
    seed_demo_results(today)
    seed_demo_results(today)  # idempotent
    assert closing.is_closed(1, prev.year, prev.month) and closing.is_closed(2, prev.year, prev.month)
    assert not closing.is_closed(1, today.year, today.month)
    q = api.quality_summary(1, prev.year, prev.month)
    assert q.closed and {p.parameter_code for p in q.parameters} >= {"turbidez", "coliformes_totais"}
    assert all(p.analysed > 0 for p in q.parameters)
    ct = next(p for p in q.parameters if p.parameter_code == "coliformes_totais")
    assert ct.analysed - ct.conforming == 1  # the demo's one network positive
    assert db.scalar(select(func.count()).select_from(Recoleta)) >= 1
    pub = api.published_results(system_id=1, limit=10)
    assert pub and all(p.published_at for p in pub)
    states = set(db.scalars(select(Result.state).where(Result.collected_on >= today.replace(day=1))))
    if today.day > 8:
        assert ResultState.VALIDATED in states or "validado" in states
    assert ResultState.ENTERED in states or "registrado" in states
