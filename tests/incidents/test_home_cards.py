"""The home page's incident cards come from one statement (lab_notices.home_counts): open
incidents, notices waiting for confirmation and the oldest waiting, as the lists say."""

from __future__ import annotations

import datetime as dt

from core.auth import Profile
from incidents.services import incidents as svc
from incidents.services import lab_notices


def _open(title: str, hours_ago: int, waiting: bool):  # type: ignore[no-untyped-def]
    inc = svc.open_incident(title=title, kind="qualidade", origin="operador", severity="media",
                            area=svc.area_dict(sector_codes=["SET-01"]), notify=False)
    inc.opened_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    if waiting:
        inc.notice_confirmation = lab_notices.PENDING
    return inc


def test_counts_and_the_oldest_waiting(db, ref, client, login_as):
    assert lab_notices.home_counts() == (0, 0, None)
    login_as(Profile.SUPERVISOR)
    home = client.get("/").get_data(as_text=True)
    assert "Avisos aguardando confirmação" in home and 'href="/incidentes"' in home
    _open("Cor alta", 5, waiting=True)
    oldest = _open("pH alto", 9, waiting=True)
    closed = _open("Turbidez", 20, waiting=False)
    db.commit()
    svc.close(closed.id, "resolvido")
    db.commit()
    n_open = len(svc.search(only_open=True))
    assert lab_notices.home_counts() == (n_open, 2, oldest.id) == (2, 2, oldest.id)
    assert lab_notices.pending()[0].id == oldest.id
    home = client.get("/").get_data(as_text=True)
    assert f'href="/incidentes/{oldest.id}"' in home
