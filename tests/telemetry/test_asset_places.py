"""telemetry.api.asset_places: the active assets with coordinates, kept per process while the
asset table is unchanged (core.db.table_stamp), and renewed by any insert or edit."""

from __future__ import annotations

from telemetry import api, services


def test_asset_places_follow_every_edit(db):
    api.forget_asset_places()
    services.save_asset("ETA-1", name="ETA Centro", kind="eta", latitude="-22,9", longitude="-47,06")
    services.save_asset("RES-1", name="Reservatório Alto", kind="reservatorio")  # no coordinates
    db.commit()
    first = api.asset_places()
    assert [(p.code, p.name, p.kind) for p in first] == [("ETA-1", "ETA Centro", "eta")]
    assert api.asset_places() is first  # kept: the table did not change

    services.save_asset("RES-1", name="Reservatório Alto", kind="reservatorio",
                        latitude="-22,91", longitude="-47,07")
    db.commit()
    assert [p.code for p in api.asset_places()] == ["ETA-1", "RES-1"]

    services.save_asset("ETA-1", name="ETA Nova", kind="eta", latitude="-22,9", longitude="-47,06")
    db.commit()
    assert api.asset_places()[0].name == "ETA Nova"

    services.save_asset("ETA-1", name="ETA Nova", kind="eta", latitude="-22,9", longitude="-47,06",
                        active=False)
    db.commit()
    assert [p.code for p in api.asset_places()] == ["RES-1"]
    api.forget_asset_places()
