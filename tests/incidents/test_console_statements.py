"""The console's statements (issue 17): the signed-in user, the incidents, the assets' stamp
(their places are kept per process while the table is unchanged) and the header's brand,
however many assets and incidents it maps; the map is drawn again when an asset moves."""

from __future__ import annotations

from flask import g
from sqlalchemy import event

from core.auth import Profile
from core.db import get_engine
from incidents.services import incidents as svc
from telemetry import api as telemetry_api
from telemetry import services as telemetry


def _queries(client, url: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    g.pop("saae_brand", None)  # the tests' outer app context would carry it between requests

    def hook(_conn, _cur, statement, *_a):  # type: ignore[no-untyped-def]
        if "SAVEPOINT" not in statement:  # the tests' own transaction
            seen.append(statement)

    event.listen(get_engine(), "before_cursor_execute", hook)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(get_engine(), "before_cursor_execute", hook)
    return html, seen


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
    html, seen = _queries(client, "/incidentes")
    assert "PC-11" in html and "Vazamento 4" in html and len(seen) == 4, seen

    telemetry.save_asset("PC-11", name="Poço 11", kind="poco", latitude="-22,95",
                         longitude="-47,2")
    db.commit()
    moved, _ = _queries(client, "/incidentes")
    assert moved != html and "PC-11" in moved
    telemetry_api.forget_asset_places()
