"""The console's state form: no default target, a missing choice is a pt-BR message."""

from __future__ import annotations

from core.auth import Profile
from incidents.services import incidents as svc


def test_state_form_has_no_default_and_refuses_an_empty_choice(client, login_as, db):
    login_as(Profile.OPERATOR)
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
