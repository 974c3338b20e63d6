"""Demo seed (assets, tags, a day of history) and the public telemetry.api."""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit import AuditLog
from core.errors import Conflict, ValidationError
from telemetry import api, services
from telemetry.seed import seed_demo


def test_seed_demo_and_api(db):
    seed_demo(dt.date.today())
    seed_demo(dt.date.today())  # idempotent for assets and tags
    info = api.tag_info("SET-02.PRESSAO")
    assert info is not None and info.asset_kind == "setor" and info.sector_code == "SET-02"
    assert info.unit == "mca" and info.quantity == "pressao"
    eta = api.asset_info("ETA-01")
    assert eta is not None and eta.kind == "eta" and "ETA-01.TURBIDEZ_SAIDA" in eta.tags
    assert eta.latitude == pytest.approx(-22.895)
    assert {a.code for a in api.assets(sector_code="SET-04")} >= {"PC-01", "RES-03", "SET-04"}
    assert {t.name for t in api.tags(sector_code="SET-01")} >= {"SET-01.VAZAO", "RES-02.NIVEL"}
    now = dt.datetime.now(dt.UTC)
    pts = api.tag_window("SET-01.VAZAO", now - dt.timedelta(hours=25), now + dt.timedelta(minutes=1))
    assert len(pts) >= 280
    assert pts == sorted(pts, key=lambda p: p.ts)
    # night minimum is clearly below the midday peak
    assert min(p.value for p in pts) < 0.6 * max(p.value for p in pts)
    assert api.last_value("SET-01.VAZAO") is not None
    assert api.tag_info("NAO-EXISTE") is None and api.asset_info("X") is None


def test_tag_edit_is_validated_and_audited(db):
    services.save_asset("ETA-9", name="ETA Teste", kind="eta")
    with pytest.raises(ValidationError) as err:
        services.save_tag("ETA-9.TURB", asset_code="NAO", plausible_min="5", plausible_max="1",
                          quantity="xyz", expected_period_seconds=0)
    assert set(err.value.fields) == {"asset_code", "quantity", "expected_period_seconds",
                                     "plausible_max"}
    tag = services.save_tag("ETA-9.TURB", asset_code="ETA-9", unit="uT", quantity="turbidez",
                            plausible_min="0", plausible_max="100,5", create=True)
    assert tag.plausible_max == 100.5
    with pytest.raises(Conflict):
        services.save_tag("ETA-9.TURB", asset_code="ETA-9", create=True)
    services.save_tag("ETA-9.TURB", asset_code="ETA-9", unit="NTU", quantity="turbidez",
                      detectors={"limite": {"high": 5}}, create=False)
    logs = [e for e in db.query(AuditLog).filter_by(model="telemetry_tag").order_by(AuditLog.id)
            if (e.changes.get("name") or [None, None])[1] == "ETA-9.TURB" or e.row_id == str(tag.id)]
    assert [entry.action for entry in logs] == ["insert", "update"]
    assert logs[1].changes["unit"] == ["uT", "NTU"]
