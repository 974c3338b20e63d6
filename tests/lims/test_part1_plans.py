"""Sampling plans on PostgreSQL: minimum check (passing and failing), approval with and without
a Gestor's justification, idempotent generation spread over working days, counts for the
monthly closing, and the plan pages/API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import Conflict, PermissionDenied, ValidationError
from lims.domain.samples import SampleState
from lims.models.plans import PlanState
from lims.models.samples import Sample, SampleParameter
from lims.services import plan_counts, plans
from tests.lims.part1_rows import full_plan, small_system

YEAR = 2026


def test_plan_meeting_the_minimum_is_approved_and_generates_the_month(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system(12_000)
    plan = full_plan(w, YEAR, user_id=sup.id)
    check = plans.minimum_check(plan.id)
    assert check.ok, [(c.parameter_code, c.where, c.month, c.planned, c.required) for c in check.failures]
    coli = next(c for c in check.cells if (c.parameter_code, c.where, c.month) == ("coliformes_totais", "rede", 5))
    assert (coli.required, coli.planned) == (12, 12)  # 10.000-50.000 hab.: 1 per 1.000
    plans.approve(plan.id, user_id=sup.id, generate=(YEAR, 12))
    assert plan.state is PlanState.APPROVED and not plan.below_minimum
    rows = list(db.scalars(select(Sample).where(Sample.plan_id == plan.id)))
    assert rows and all(s.state is SampleState.SCHEDULED for s in rows)
    assert all(s.scheduled_for.month == 12 for s in rows)
    treatment = {w["points"]["SAI"].id, w["points"]["POC"].id}
    net = [s for s in rows if s.point_id not in treatment]
    assert all(s.scheduled_for.weekday() < 5 for s in net)  # working days only
    assert len(net) == 12  # 3 visits x 4 network points (annual THM/HAA fall in January)
    by_code = {s.code for s in rows}
    assert len(by_code) == len(rows) and all(c.startswith("A2612") for c in by_code)
    # the network sample carries all its parameters (one bottle set per visit)
    s = net[0]
    assert db.scalar(select(func.count()).select_from(SampleParameter)
                     .where(SampleParameter.sample_id == s.id)) >= 5
    # idempotent: a second run creates nothing, even after a reprogramming
    from lims.services import samples

    samples.reprogram(s.id, s.scheduled_for + dt.timedelta(days=1), reason="chuva forte", user_id=sup.id)
    assert plans.generate_month(plan.id, YEAR, 12, user_id=sup.id) == []
    assert db.scalar(select(func.count()).select_from(Sample).where(Sample.plan_id == plan.id)) == len(rows)
    # counts the closing reads
    required, planned, collected, etas = plan_counts.month_counts(w["system"].id, YEAR, 12)
    assert required[("coliformes_totais", "rede")] == 12 and planned[("coliformes_totais", "rede")] == 12
    assert required[("turbidez", "saida")] == 10 and collected == {} and etas == []


def test_net_annual_rule_is_in_the_generated_january(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system(12_000)
    plan = full_plan(w, YEAR, user_id=sup.id)
    plans.approve(plan.id, user_id=sup.id)
    jan = plans.generate_month(plan.id, YEAR, 1, user_id=sup.id)
    thm = w["params"]["trihalometanos_total"].id
    assert sum(1 for s in jan for sp in s.parameters if sp.parameter_id == thm) == 1


def test_below_minimum_needs_a_gestor_justification(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    gestor = make_user(Profile.MANAGER)
    w = small_system(12_000)
    plan = full_plan(w, YEAR, network_per_point=2, user_id=sup.id)  # 8 < 12 network samples
    res = plans.minimum_check(plan.id)
    assert not res.ok and {(c.parameter_code, c.where) for c in res.failures} >= {("coliformes_totais", "rede")}
    with pytest.raises(ValidationError) as e:
        plans.approve(plan.id, user_id=sup.id)
    assert e.value.code == "abaixo_do_minimo" and "justificativa" in e.value.fields
    with pytest.raises(PermissionDenied):  # a supervisor cannot justify
        plans.approve(plan.id, user_id=sup.id, justification="x" * 40)
    with pytest.raises(ValidationError):  # too short
        plans.approve(plan.id, user_id=gestor.id, justification="curta")
    assert plans.get(plan.id).state == PlanState.DRAFT  # nothing changed
    plans.approve(plan.id, user_id=gestor.id,
                  justification="Acordado com a VISA: reforco de coletas a partir de marco.")
    assert plan.state is PlanState.APPROVED and plan.below_minimum
    log = db.scalars(select(AuditLog).where(AuditLog.model == "lims_sampling_plan",
                                            AuditLog.row_id == str(plan.id))
                     .order_by(AuditLog.id.desc())).first()
    assert "abaixo do mínimo" in log.reason and log.user_id == gestor.id
    with pytest.raises(Conflict):  # an approved plan is frozen
        plans.set_item(plan.id, parameter_id=w["params"]["ph"].id, point_id=w["points"]["R1"].id,
                       frequency="mensal")
    # a new version supersedes it
    v2 = plans.create_plan(w["system"].id, YEAR, user_id=sup.id, copy_from=plan.id)
    assert v2.version == 2 and len([i for i in v2.items if i.active]) == len([i for i in plan.items if i.active])
    plans.approve(v2.id, user_id=gestor.id, justification="Mesma justificativa da versão 1 do plano.")
    assert plan.state is PlanState.SUPERSEDED and plans.approved_plan(w["system"].id, YEAR).id == v2.id


def test_bad_plan_lines_are_refused(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system()
    other = small_system()
    plan = plans.create_plan(w["system"].id, YEAR, user_id=sup.id)
    cl = w["params"]["cloro_residual_livre"].id
    with pytest.raises(ValidationError) as e:
        plans.set_item(plan.id, parameter_id=cl, point_id=other["points"]["R1"].id, frequency="mensal")
    assert "ponto" in e.value.fields
    with pytest.raises(ValidationError) as e:
        plans.set_item(plan.id, parameter_id=cl, point_id=w["points"]["R1"].id, frequency="personalizada")
    assert "quantidade" in e.value.fields
    with pytest.raises(ValidationError):
        plans.set_item(plan.id, parameter_id=cl, point_id=w["points"]["R1"].id, frequency="quinzenal")
    with pytest.raises(ValidationError) as e:
        plans.approve(plan.id, user_id=sup.id)
    assert e.value.code == "plano_vazio"
    with pytest.raises(Conflict):
        plans.generate_month(plan.id, YEAR, 1)


def test_plan_pages_and_api(client, db, make_user, login_as, api_token):
    gestor = login_as(Profile.MANAGER)
    w = small_system(12_000, user_id=gestor.id)
    plan = full_plan(w, YEAR, network_per_point=2, user_id=gestor.id)
    page = client.get(f"/lims/planos/{plan.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Mínimo da Portaria 888 x planejado" in html
    assert "8/12" in html and "abaixo do mínimo" in html and "Justificativa" in html
    r = client.post(f"/lims/planos/{plan.id}/aprovar", data={"justificativa": ""})
    assert r.status_code in (302, 303, 422)
    assert plans.get(plan.id).state == PlanState.DRAFT
    r = client.post(f"/lims/planos/{plan.id}/aprovar",
                    data={"justificativa": "Plano reduzido acordado com a vigilância sanitária."})
    assert r.status_code in (302, 303) and plans.get(plan.id).state == PlanState.APPROVED
    # the plan list shows the state's label, not the stored value
    assert '">Aprovado</span>' in client.get("/lims/planos").get_data(as_text=True)
    _u, token = api_token(Profile.SUPERVISOR)
    h = {"Authorization": f"Bearer {token}"}
    j = client.get(f"/api/v1/lims/planos/{plan.id}", headers=h).get_json()
    assert j["estado"] == "aprovado" and not j["minimo_atendido"] and j["itens"]
    row = next(x for x in j["minimo"] if x["parametro"] == "coliformes_totais" and x["onde"] == "rede")
    assert row["meses"][0] == {"mes": 1, "exigido": 12, "planejado": 8, "ok": False}
    g = client.post(f"/api/v1/lims/planos/{plan.id}/gerar", json={"mes": 3}, headers=h).get_json()
    assert g["criadas"] > 0
    again = client.post(f"/api/v1/lims/planos/{plan.id}/gerar", json={"mes": 3}, headers=h).get_json()
    assert again["criadas"] == 0
    assert client.get("/api/v1/lims/planos", query_string={"sistema": w["system"].id},
                      headers=h).get_json()[0]["id"] == plan.id


def test_periodic_job_generates_this_and_next_month_once(db, make_user):
    sup = make_user(Profile.SUPERVISOR)
    w = small_system(12_000)
    plan = full_plan(w, YEAR, user_id=sup.id)
    plans.approve(plan.id, user_id=sup.id)
    made = plans.generate_due(dt.date(YEAR, 11, 5))
    assert made > 0 and plans.generate_due(dt.date(YEAR, 11, 6)) == 0
    nov = db.scalar(select(func.count()).select_from(Sample).where(Sample.plan_id == plan.id))
    assert nov == made
    late = plans.generate_due(dt.date(YEAR, 11, 25))  # from day 20: December too
    months = set(db.scalars(select(func.extract("month", Sample.scheduled_for))
                            .where(Sample.plan_id == plan.id)))
    assert late > 0 and {int(m) for m in months} == {11, 12}
    from lims.tasks import generate_scheduled_samples

    assert generate_scheduled_samples() >= 0
