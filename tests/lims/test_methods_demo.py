"""The demo shows issue 20 alive on first open: methods with ranges and competences,
instruments (one due in 10 days: the home page warns), holding rules, a held coliform."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.fmt import today
from lims.models.holds import ResultHold
from lims.models.methods import Competence, Method, MethodRange, ParameterRule
from lims.models.results import Result
from lims.services import methods

# the demo, seeded once per worker (tests/conftest.py): each test rolled back on top
pytestmark = pytest.mark.demo_db


def test_demo_seeds_the_quality_system(db):
    assert db.scalar(select(func.count()).select_from(Method)) >= 5
    assert db.scalar(select(func.count()).select_from(MethodRange)) >= 5
    assert db.scalar(select(func.count()).select_from(Competence)) >= 10
    assert [(i.code, d) for i, d in methods.due_soon(today(), 15)] == [("TB-01", 10)]
    assert db.scalar(select(func.count()).select_from(ParameterRule)) >= 5
    with_u = db.scalar(select(func.count()).select_from(Result).where(Result.uncertainty.is_not(None)))
    with_method = db.scalar(select(func.count()).select_from(Result).where(Result.method_id.is_not(None)))
    assert with_u > 0 and with_method > 0
    holds = db.scalars(select(ResultHold)).all()
    print(f"demo: {with_method} results with a method, {with_u} with U, {len(holds)} hold(s)")
    assert any(h.kind == "prazo" for h in holds)  # beside the worksheets' QC holds
