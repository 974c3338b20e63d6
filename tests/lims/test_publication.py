"""The demo data: a closed previous month (published) and an open current month."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from lims import api
from lims.models.results import Recoleta, Result, ResultState
from lims.seed import seed_demo, seed_reference
from lims.services import closing
from lims.services.registry import system_by_code


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
    seed_reference()
    seed_demo(today)  # part 1's demo (registry, plans, samples) ends with seed_demo_results
    seed_demo(today)  # idempotent
    sede, bv = system_by_code("SAA-SEDE").id, system_by_code("SAA-BV").id
    assert closing.is_closed(sede, prev.year, prev.month) and closing.is_closed(bv, prev.year, prev.month)
    assert not closing.is_closed(sede, today.year, today.month)
    q = api.quality_summary(sede, prev.year, prev.month)
    assert q.closed and {p.parameter_code for p in q.parameters} >= {"turbidez", "coliformes_totais"}
    assert all(p.analysed > 0 for p in q.parameters)
    ct = next(p for p in q.parameters if p.parameter_code == "coliformes_totais")
    assert ct.analysed - ct.conforming == 1  # the demo's one network positive
    assert db.scalar(select(func.count()).select_from(Recoleta)) >= 1
    pub = api.published_results(system_id=sede, limit=10)
    assert pub and all(p.published_at for p in pub)
    states = set(db.scalars(select(Result.state).where(Result.collected_on >= today.replace(day=1))))
    if today.day > 8:
        assert ResultState.VALIDATED in states or "validado" in states
    assert ResultState.ENTERED in states or "registrado" in states
