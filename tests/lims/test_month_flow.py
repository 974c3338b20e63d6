"""Issue 4, done means: a whole month of one system through the services.

Approve a plan (the minimum check failing, then passing), generate the month's samples, build
each day's route, print its sheet and labels, decode a label PNG rendered by labels/ back with
pyzbar, record the collections from the phone (one not collected, reprogrammed and collected
later), receive every sample by its code and distribute them to an analyst and a contracted lab.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.db import session
from core.errors import Conflict, ValidationError
from lims.domain.samples import SampleState
from lims.models.plans import PlanState
from lims.models.registry import Laboratory
from lims.models.samples import Sample
from lims.services import field_entries, route_labels
from render import labels
from tests.lims.part1_rows import full_plan, small_system

YEAR, MONTH = 2026, 11
TZ = ZoneInfo("America/Sao_Paulo")


def test_a_month_of_one_system(db, make_user, tmp_path):
    from lims.services import plan_counts, plans, reception, route_sheet, routes
    from lims.services import samples as sample_svc

    sup = make_user(Profile.SUPERVISOR, name="Sara Supervisora")
    collector = make_user(Profile.COLLECTOR, name="João Coletor")
    receiver = make_user(Profile.DISTRIBUTOR, name="Rita Recepção")
    analyst = make_user(Profile.ANALYST, name="Ana Analista")
    lab = Laboratory(name="Lab Microbiologia Contratado", own=False)
    session.add(lab)
    session.commit()
    w = small_system(12_000, user_id=sup.id)

    # 1. the minimum check fails: approval refused, nothing generated
    low = full_plan(w, YEAR, network_per_point=2, user_id=sup.id)
    assert not plans.minimum_check(low.id).ok
    with pytest.raises(ValidationError) as exc:
        plans.approve(low.id, user_id=sup.id, generate=(YEAR, MONTH))
    assert exc.value.code == "abaixo_do_minimo"
    assert low.state == PlanState.DRAFT
    assert not list(session.scalars(select(Sample).where(Sample.plan_id == low.id)))

    # 2. the full plan passes and generates the month, idempotently
    plan = full_plan(w, YEAR, user_id=sup.id)
    assert plans.minimum_check(plan.id).ok
    plans.approve(plan.id, user_id=sup.id, generate=(YEAR, MONTH))
    month = list(session.scalars(select(Sample).where(Sample.plan_id == plan.id)))
    assert len(month) > 20 and all(s.state == SampleState.SCHEDULED for s in month)
    assert plans.generate_month(plan.id, YEAR, MONTH, user_id=sup.id) == []
    days = sorted({s.scheduled_for for s in month})

    # 3. every day: a route, its sheet and labels, the collections from the phone
    built, skipped = [], None
    for day in days:
        r = routes.build_route(day, collector.id, user_id=sup.id, system_id=w["system"].id,
                               analysis_responsible_id=analyst.id)
        built.append(r)
        assert route_labels.labels_pdf(r.id).startswith(b"%PDF")
        for st in r.stops:
            at = dt.datetime.combine(day, dt.time(9, 30), TZ) + dt.timedelta(minutes=7 * st.position)
            data = {"key": f"month-{st.sample_id}-col", "sample_id": st.sample_id, "kind": "coletada",
                    "collected_at": at.isoformat(), "latitude": st.point.latitude,
                    "longitude": st.point.longitude,
                    "readings": {"cloro_residual_livre": "1,1", "turbidez": "0,3", "ph": "7,2",
                                 "temperatura": "24"}}
            if skipped is None and st.point.kind == "rede":  # the first network point: closed
                data = {"key": f"month-{st.sample_id}-nc", "sample_id": st.sample_id,
                        "kind": "nao_coletada", "reason": "Local fechado - escola em reforma"}
                skipped = st.sample
            res = field_entries.record_entry(data, user_id=collector.id, data_dir=tmp_path)
            assert res.status == 200, res.body
            replay = field_entries.record_entry(data, user_id=collector.id, data_dir=tmp_path)
            assert replay.replay and replay.body == res.body  # the phone resent it: no change
    assert skipped is not None and skipped.state == SampleState.SCHEDULED
    assert skipped.not_collected_reason == "Local fechado - escola em reforma"

    # the first route printed: sheet + labels, and a label PNG read back with pyzbar
    first = built[0]
    assert route_sheet.route_sheet_pdf(first.id).startswith(b"%PDF")
    spec = route_labels.label_specs(first)[0]
    assert labels.decode(labels.render_label_png(spec)) == [first.stops[0].sample.code]

    # the skipped sample: reprogrammed to the last day of the month, collected on a new route
    new_day = dt.date(YEAR, MONTH, 30)
    sample_svc.reprogram(skipped.id, new_day, reason="escola reaberta", user_id=sup.id)
    extra = routes.build_route(new_day, collector.id, user_id=sup.id, sample_ids=[skipped.id])
    assert [st.sample_id for st in extra.stops] == [skipped.id]
    at = dt.datetime.combine(new_day, dt.time(10), TZ)
    assert field_entries.record_entry({"key": "month-recollect", "sample_id": skipped.id, "kind": "coletada",
                                "collected_at": at.isoformat()}, user_id=collector.id,
                               data_dir=tmp_path).status == 200
    assert all(s.state == SampleState.COLLECTED for s in month)

    # 4. reception by code, a second scan refused
    temps = iter(["4,0", "5,5", "3,2", "6,0"] * 100)
    for s in sorted(month, key=lambda s: s.collected_at):
        r = reception.receive(s.code, user_id=receiver.id, arrival_temperature=next(temps))
        assert r.state == SampleState.AWAITING_ANALYSIS and r.parameters
    with pytest.raises(Conflict):
        reception.receive(month[0].code, user_id=receiver.id)
    assert all(s.state == SampleState.AWAITING_ANALYSIS and s.received_by_id == receiver.id
               for s in month)

    # 5. distribution: microbiology to the contracted lab, the rest to the analyst
    micro = [s for s in month if any(sp.parameter.group == "microbiologico" for sp in s.parameters)]
    rest = [s for s in month if s not in micro]
    assert micro and rest
    reception.distribute([s.id for s in micro], user_id=receiver.id, lab_id=lab.id)
    reception.distribute([s.id for s in rest], user_id=receiver.id, analyst_id=analyst.id)
    assert not [s for s in reception.awaiting_distribution(unassigned_only=True)
                if s.plan_id == plan.id]
    assert Counter("lab" if s.assigned_lab_id else "analyst" for s in month) == {
        "lab": len(micro), "analyst": len(rest)}

    # the month as the closing will read it: every planned network coliform collected
    required, planned, collected, _ = plan_counts.month_counts(w["system"].id, YEAR, MONTH)
    assert collected[("coliformes_totais", "rede")] == planned[("coliformes_totais", "rede")]
    assert collected[("coliformes_totais", "rede")] >= required[("coliformes_totais", "rede")]
    assert Counter(r.state for r in built) == {"concluida": len(built)}
    print(f"month {MONTH:02d}/{YEAR}: {len(month)} samples, {len(built) + 1} routes, "
          f"{len(micro)} to the lab, {len(rest)} to the analyst")
