"""The staff pages' header names the utility by its Organization row's short name (else
SAAE_UTILITY_NAME), read as that one column when the page prints it; the public site, which
has its own header, does not read it."""

from __future__ import annotations

from flask import g
from sqlalchemy import event

from core.auth import Profile
from core.db import get_engine
from core.org import Organization


def _statements(client, url: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    g.pop("saae_brand", None)  # the tests' outer app context would carry it between requests

    def hook(_conn, _cur, statement, *_a):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(get_engine(), "before_cursor_execute", hook)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(get_engine(), "before_cursor_execute", hook)
    return html, seen


def test_the_header_names_the_organization_or_the_setting(db, client, login_as, settings):
    login_as(Profile.OPERATOR)
    html, _ = _statements(client, "/incidentes")
    assert f'class="marca" href="/">{settings.utility_name}</a>' in html
    db.add(Organization(name="Serviço Autônomo", short_name="SAAE <Vale>", municipality="Vale",
                        uf="SP"))
    db.commit()
    html, seen = _statements(client, "/incidentes")
    assert 'class="marca" href="/">SAAE &lt;Vale&gt;</a>' in html
    assert "<title>Console de incidentes · SAAE &lt;Vale&gt;</title>" in html
    org = [s for s in seen if "core_organization" in s]
    assert len(org) == 1 and org[0].startswith("SELECT core_organization.short_name FROM")


def test_the_public_site_reads_the_organization_once(db, client):
    db.add(Organization(name="Serviço Autônomo", short_name="SAAE Vale", municipality="Vale",
                        uf="SP"))
    db.commit()
    _, seen = _statements(client, "/portal/")
    org = [s for s in seen if "core_organization" in s]
    assert len(org) == 1 and "core_organization.short_name FROM" not in org[0]
