"""The demo seed of incidents runs on an empty area and is idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from incidents import audit_file, demo, seed
from incidents.models import Incident, ServiceType
from incidents.seed_requests import SERVICES


def test_seed_reference_and_demo(db, make_consumer):
    make_consumer("Maria Silva", sector="SET-03", neighbourhood="Jardim das Flores")
    seed.seed_reference()
    seed.seed_reference()
    assert len(db.scalars(select(ServiceType)).all()) == len(seed.CATALOGUE) + len(SERVICES)
    demo.seed_demo(dt.date.today())
    demo.seed_demo(dt.date.today())
    incs = db.scalars(select(Incident).order_by(Incident.id)).all()
    assert [i.state for i in incs] == ["encerrado", "em_analise", "encerrado", "encerrado"]
    # the last closed month's repair and complaint the lab's SISAGUA form counts (issue 19)
    first = dt.date.today().replace(day=1)
    assert all(i.opened_at.date() < first for i in incs[2:])
    assert incs[0].survey_score == 5
    assert audit_file.verify_bundle(audit_file.bundle(incs[0].id)) == []
