"""The console's state form: no default target, a missing choice is a pt-BR message."""

from __future__ import annotations

from core.auth import Profile
from incidents.services import incidents as svc


def test_state_form_has_no_default_and_refuses_an_empty_choice(client, login_as, db):
    login_as(Profile.OPERADOR)
    inc = svc.open_incident(title="Vazamento na Rua A", kind="interrupcao", origin="operador",
                            notify=False)
    db.commit()
    page = client.get(f"/incidentes/{inc.id}").get_data(as_text=True)
    assert '<option value="" selected disabled>' in page
    r = client.post(f"/incidentes/{inc.id}/situacao", data={"state": "", "reason": ""},
                    follow_redirects=True)
    assert "Escolha a nova situação." in r.get_data(as_text=True)
    db.refresh(inc)
    assert inc.state == "aberto"


def test_tag_chart_ticks_never_repeat_and_read_local_time():
    import datetime as dt
    import re
    from types import SimpleNamespace

    from incidents import svg

    start = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    pts = [SimpleNamespace(ts=start + dt.timedelta(minutes=i), value=0.2 + (i % 7) * 0.02)
           for i in range(60)]
    out = svg.tag_chart(pts, start=start, end=start + dt.timedelta(hours=1), unit="uT")
    ticks = re.findall(r'text-anchor="end">([0-9,]+)</text>', out)
    assert len(ticks) == 5 and len(set(ticks)) == 5, ticks
    assert "02/12 06:00" in out and "horário de Brasilia" in out  # UTC-3
