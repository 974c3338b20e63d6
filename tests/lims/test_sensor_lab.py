"""Issue 18 section 3, lims side: the sensor-lab rule (pure), the downstream walk, the point's
link to telemetry tags on its staff page (audited, checked) and the rules as editable data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.auth import Profile
from core.errors import ValidationError
from lims.domain.sensor_lab import (
    LabPoint,
    SensorSeries,
    chart_start,
    downstream,
    persistent_difference,
)
from lims.models.registry import CollectionPoint, SupplySystem
from lims.models.sensors import PointTag, SensorRule
from lims.services import sensor_lab


@pytest.mark.parametrize(("pairs", "expected"), [
    ([(0.6, 0.9)] * 5, 5),
    ([(0.6, 0.9)] * 4, None),  # too few
    ([(0.6, 0.9)] * 4 + [(0.6, 0.7)], None),  # one inside the tolerance
    ([(0.6, 0.9), (0.9, 0.6)] * 3, None),  # both sides: noise, not drift
    ([(0.9, 0.6)] * 5, 5),  # the analyser reads low
    ([(None, 0.9)] + [(0.6, 0.9)] * 5, 5),  # "< LD" pairs do not count
    ([(0.6, None)] * 6, None),  # no reading near the collection
])
def test_persistent_difference(pairs, expected):
    got = persistent_difference(pairs, tolerance=0.2, last=5)
    assert (got.pairs if got else None) == expected
    if got:
        assert abs(abs(got.mean_difference) - 0.3) < 1e-9


def test_downstream_walk_is_transitive_nearest_first_without_loops():
    links = {1: [2, 3], 2: [4], 3: [4], 4: [1, 5]}
    assert downstream(1, links) == [2, 3, 4, 5]
    assert downstream(5, links) == []


def test_chart_start_follows_the_data():
    now = dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)
    week = now - dt.timedelta(days=7)
    lab = LabPoint(now - dt.timedelta(days=1), 0.5, "0,5", True, "A1")
    s = SensorSeries("cloro", "Cloro", "T", "mg/L", "cloro_residual_livre", (), (lab,))
    assert chart_start([s], week) == now - dt.timedelta(days=1, hours=2)
    assert chart_start([], week) == week


def _point(db) -> CollectionPoint:
    from telemetry.models.tags import Asset, Tag

    system = SupplySystem(code="SAA-SL", name="Sistema SL", population_served=1000)
    db.add(system)
    db.flush()
    p = CollectionPoint(code="P-SL-1", name="Saída do R9", system_id=system.id,
                        kind="reservatorio", photos=[])
    asset = Asset(code="RES-SL", name="Reservatório SL", kind="reservatorio")
    db.add_all([p, asset])
    db.flush()
    db.add_all([Tag(name="RES-SL.CLORO", quantity="cloro", unit="mg/L", asset_id=asset.id),
                Tag(name="RES-SL.NIVEL", quantity="nivel", unit="m", asset_id=asset.id)])
    db.commit()
    return p


def test_point_page_links_tags_audited(client, db, login_as):
    p = _point(db)
    login_as(Profile.MANAGER)
    html = client.get(f"/lims/cadastros/pontos/{p.id}").get_data(as_text=True)
    assert "Sensores on-line e laboratório" in html and "RES-SL.CLORO" in html
    assert "RES-SL.NIVEL" not in html  # only tags of the four quantities are offered
    resp = client.post(f"/lims/cadastros/pontos/{p.id}/sensores",
                       data={"cloro": "RES-SL.CLORO", "motivo": "analisador instalado"})
    assert resp.status_code == 302
    link = db.scalars(select(PointTag).where(PointTag.point_id == p.id)).one()
    assert (link.quantity, link.tag, link.parameter_code) == ("cloro", "RES-SL.CLORO",
                                                              "cloro_residual_livre")
    log = db.scalars(select(AuditLog).where(AuditLog.model == "lims_point_tag")).first()
    assert log is not None and log.reason == "analisador instalado"
    # a tag measuring something else is refused with a clear message
    with pytest.raises(ValidationError) as e:
        sensor_lab.set_point_tags(p.id, {"turbidez": "RES-SL.NIVEL"})
    assert "não mede turbidez" in e.value.fields["turbidez"][0]
    with pytest.raises(ValidationError):
        sensor_lab.set_point_tags(p.id, {"cloro": "NAO-EXISTE"})
    sensor_lab.set_point_tags(p.id, {})  # unlinked
    db.commit()
    assert db.scalars(select(PointTag).where(PointTag.point_id == p.id)).first() is None


def test_rules_are_editable_data(client, db, login_as):
    sensor_lab.seed_rules()
    db.commit()
    rule = db.scalars(select(SensorRule).where(SensorRule.quantity == "cloro")).one()
    assert (rule.tolerance, rule.pairs) == (0.2, 5)
    login_as(Profile.MANAGER)
    url = f"/lims/cadastros/regras_sensor/{rule.id}"
    form = {"quantity": "cloro", "name": rule.name, "parameter_code": "cloro_residual_livre",
            "tolerance": "0", "pairs": "5", "active": "on", "motivo": "teste"}
    assert "maior que zero" in client.post(url, data=form).get_data(as_text=True)
    client.post(url, data={**form, "tolerance": "0,25", "pairs": "8",
                           "motivo": "analisador novo, mais preciso"})
    db.refresh(rule)
    assert (rule.tolerance, rule.pairs) == (0.25, 8)
    sensor_lab.seed_rules()  # the data file never overwrites a Gestor's edit
    db.refresh(rule)
    assert rule.tolerance == 0.25
