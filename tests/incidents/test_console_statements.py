"""The console's statements (issue 17): the signed-in user, the incidents, the assets' stamp
(their places are kept per process while the table is unchanged) and the header's brand,
however many assets and incidents it maps; the map is drawn again when an asset moves."""

from __future__ import annotations

from core.auth import Profile
from incidents.services import incidents as svc
from telemetry import api as telemetry_api
from telemetry import services as telemetry
from tests.statements import page_statements


def test_the_console_in_four_statements(db, ref, client, login_as):
    telemetry_api.forget_asset_places()
    for i in range(12):
        telemetry.save_asset(f"PC-{i:02d}", name=f"Poço {i}", kind="poco",
                             latitude=f"-22,{900 + i}", longitude=f"-47,{60 + i}")
    for i in range(5):
        svc.open_incident(title=f"Vazamento {i}", kind="interrupcao", origin="operador",
                          severity="alta", latitude=-22.9 - i / 100, longitude=-47.06,
                          area=svc.area_dict(sector_codes=["SET-01"]), notify=False)
    db.commit()
    login_as(Profile.OPERATOR)
    client.get("/incidentes")
    html, seen = page_statements(client, "/incidentes")
    assert "PC-11" in html and "Vazamento 4" in html and len(seen) == 4, seen

    telemetry.save_asset("PC-11", name="Poço 11", kind="poco", latitude="-22,95",
                         longitude="-47,2")
    db.commit()
    moved, _ = page_statements(client, "/incidentes")
    assert moved != html and "PC-11" in moved
    telemetry_api.forget_asset_places()
