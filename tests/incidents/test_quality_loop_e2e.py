"""Issue 18 section 3, done means: the simulator's chlorine loss at a linked point -> anomaly ->
incident -> extra samples scheduled at that point and downstream -> their results entered and
validated -> the incident escalated; and a conforming variant that lets it close."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.auth import Profile
from core.errors import Conflict
from core.outbox import drain
from incidents.models import Evidence, Incident, Notice
from incidents.services import quality_loop
from lims.domain.samples import SampleState
from lims.models.registry import CollectionPoint, PointLink, SupplySystem
from lims.models.sensors import SampleRequest, SensorPair
from lims.services import reception, sensor_lab, validation
from lims.services import results as rs
from lims.services import samples as sample_svc
from saae.wiring import SUBSCRIPTIONS
from tests.lims.part1_rows import ensure_parameter
from tests.lims.test_results import CL, CT, EC, TU

TAG = "RES-03.CLORO"


def _world(db):
    """The demo utility's telemetry and a lab registry: the reservoir's outlet point linked
    to its chlorine analyser, two network points downstream of it (one after the other)."""
    from telemetry.models.tags import Tag
    from telemetry.seed import seed_demo

    seed_demo(dt.date.today())
    tag = db.scalars(select(Tag).where(Tag.name == TAG)).unique().one()
    tag.detectors = {"comunicacao": {"k": 5},
                     "limite": {"low": 0.2, "hysteresis": 0.05, "on_delay_s": 120,
                                "off_delay_s": 300}}
    for p in (CT, EC, CL, TU):
        ensure_parameter(p)
    system = SupplySystem(code="SAA-LOOP", name="Sistema Sede", population_served=30000,
                          neighbourhoods=["Jardim Europa"])
    db.add(system)
    db.flush()
    pts = [CollectionPoint(code=code, name=name, system_id=system.id, kind=kind, photos=[],
                           neighbourhood="Jardim Europa")
           for code, name, kind in (("P-RES03", "Saída do reservatório R3", "reservatorio"),
                                    ("P-R3-A", "Rede Rua das Flores", "rede"),
                                    ("P-R3-B", "Ponta de rede Vila Nova", "ponta_de_rede"),
                                    ("P-OUTRO", "Rede de outro setor", "rede"))]
    db.add_all(pts)
    db.flush()
    db.add_all([PointLink(upstream_id=pts[0].id, downstream_id=pts[1].id),
                PointLink(upstream_id=pts[1].id, downstream_id=pts[2].id)])
    db.commit()
    sensor_lab.set_point_tags(pts[0].id, {"cloro": TAG}, reason="analisador da saída do R3")
    db.commit()
    return pts


def _chlorine_loss(db):
    """Telemetry's own simulator and monitor: free chlorine lost at RES-03."""
    from telemetry import monitor
    from telemetry.connectors.base import Reading
    from telemetry.demo.sim_model import Plant
    from telemetry.storage import SqlStorage

    store = SqlStorage()
    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=40)
    plant = Plant(seed=7)
    plant.inject("cloro", "RES-03", t0 + dt.timedelta(minutes=5))
    tags = [t for t in plant_tags() if t.name == TAG]
    readings = []
    for i in range(0, 35 * 60, 30):
        t = t0 + dt.timedelta(seconds=i)
        for name, vq in plant.sample(t, tags).items():
            if vq is not None:
                readings.append(Reading(name, t, vq[0], vq[1]))
    store.write(readings)
    report = monitor.run_once(t0 + dt.timedelta(minutes=35), store=store, tag_names=[TAG])
    assert not report.errors
    assert report.opened, "the chlorine loss must open an anomaly"
    db.commit()


def plant_tags():
    from telemetry.demo.tags import TAGS

    return TAGS


def _analyse(db, people, values: dict[str, dict[str, str]]) -> None:
    """Collect, receive, enter and validate every extra sample; `values[point_code]` gives
    the results typed (by parameter code), the rest conforming."""
    collector, analyst, sup = people
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    for req in db.scalars(select(SampleRequest).order_by(SampleRequest.id)):
        s = sample_svc.get(req.sample_id)
        point = db.get(CollectionPoint, s.point_id)
        sample_svc.transition(s.id, SampleState.COLLECTED, user_id=collector.id,
                              reason="coleta extra", collected_at=now, collected_by_id=collector.id)
        reception.receive(s.code, user_id=analyst.id)
        ref = sample_svc.sample_ref(s.id)
        typed = {"cloro_residual_livre": "0,8", "turbidez": "0,4", "coliformes_totais": "Ausente",
                 "escherichia_coli": "Ausente", **values.get(point.code, {})}
        ids = []
        for sp in s.parameters:
            p = rs.resolve_parameter(sp.parameter_id)
            ids.append(rs.enter_result(ref, p, typed[p.code], analyst_id=analyst.id,
                                       entered_by_id=analyst.id, analysed_at=now).id)
        validation.validate(ids, sup.id)
        db.commit()


@pytest.fixture()
def people(make_user):
    return make_user(Profile.COLLECTOR), make_user(Profile.ANALYST), make_user(Profile.SUPERVISOR)


def _incident_with_samples(db) -> Incident:
    pts = _world(db)
    _chlorine_loss(db)
    drain(SUBSCRIPTIONS)  # AnomalyDetected -> incident -> IncidentOpened -> extra samples
    inc = db.scalars(select(Incident).where(Incident.tag == TAG)).one()
    assert inc.kind == "qualidade" and inc.is_open
    rows = quality_loop.extra_samples(inc)
    assert [(r["point_code"], r["role"]) for r in rows] == [
        ("P-RES03", "mesmo_ponto"), ("P-R3-A", "jusante"), ("P-R3-B", "jusante")]
    assert all(r["state"] == "pendente" for r in rows)
    assert pts[3].code not in {r["point_code"] for r in rows}
    for req in db.scalars(select(SampleRequest)):
        s = sample_svc.get(req.sample_id)
        assert s.state == SampleState.AWAITING_COLLECTION and s.scheduled_for == dt.date.today()
        assert {sp.parameter.code for sp in s.parameters} >= {"cloro_residual_livre",
                                                              "escherichia_coli"}
    return inc


def test_chlorine_loss_to_escalated_incident(db, ref, people, make_consumer):
    make_consumer("Maria Silva", "(19) 99876-5432", sector="SET-04", neighbourhood="Jardim Europa")
    inc = _incident_with_samples(db)
    before = inc.severity
    _analyse(db, people, {"P-R3-A": {"cloro_residual_livre": "0,05"}})  # no residual downstream
    drain(SUBSCRIPTIONS)
    db.refresh(inc)
    rows = {r["point_code"]: r["state"] for r in quality_loop.extra_samples(inc)}
    assert rows == {"P-RES03": "conforme", "P-R3-A": "nao_conforme", "P-R3-B": "conforme"}
    assert quality_loop.severity_rank(inc.severity) > quality_loop.severity_rank(before)
    kinds = [e.kind for e in db.scalars(select(Evidence).where(Evidence.incident_id == inc.id))]
    assert "amostras_extras_pedidas" in kinds and kinds.count("amostra_extra_validada") == 3
    assert "incidente_escalado" in kinds
    # the public notice is updated (the portal shows it, those told hear it)
    assert inc.public_notice
    assert db.scalars(select(Notice).where(Notice.incident_id == inc.id,
                                           Notice.purpose.like("atualizacao%"))).first()
    # the non-conforming extra sample joined this incident, it opened none of its own
    assert db.scalars(select(Incident).where(Incident.id != inc.id)).all() == []
    with pytest.raises(Conflict):
        quality_loop.close_with_samples(inc.id, cancel_orders=True)
    # the online value at the collection time is stored beside the reservoir's result
    pair = db.scalars(select(SensorPair).where(SensorPair.tag == TAG)).one()
    assert pair.online_value is not None and pair.lab_value == 0.8
    assert abs((pair.online_at - pair.collected_at).total_seconds()) <= 15 * 60


def test_conforming_extra_samples_let_the_operator_close(db, ref, people):
    inc = _incident_with_samples(db)
    _analyse(db, people, {})
    drain(SUBSCRIPTIONS)
    db.refresh(inc)
    assert quality_loop.all_conforming(inc)
    quality_loop.close_with_samples(inc.id, cancel_orders=True, reason="amostras conformes")
    db.commit()
    db.refresh(inc)
    assert inc.state == "encerrado"
    ev = db.scalars(select(Evidence).where(Evidence.incident_id == inc.id,
                                           Evidence.kind == "amostras_extras_conformes")).one()
    assert len(ev.payload["samples"]) == 3
    assert all(r["state"] == "conforme" for r in ev.payload["samples"])
