"""The staff pages' header names the utility by its Organization row's short name (else
SAAE_UTILITY_NAME), read as that one column when the page prints it; the public site, which
has its own header, does not read it."""

from __future__ import annotations

from core.auth import Profile
from core.org import Organization
from tests.statements import page_statements


def test_the_header_names_the_organization_or_the_setting(db, client, login_as, settings):
    login_as(Profile.OPERATOR)
    html, _ = page_statements(client, "/incidentes")
    assert f'class="marca" href="/">{settings.utility_name}</a>' in html
    db.add(Organization(name="Serviço Autônomo", short_name="SAAE <Vale>", municipality="Vale",
                        uf="SP"))
    db.commit()
    html, seen = page_statements(client, "/incidentes")
    assert 'class="marca" href="/">SAAE &lt;Vale&gt;</a>' in html
    assert "<title>Console de incidentes · SAAE &lt;Vale&gt;</title>" in html
    org = [s for s in seen if "core_organization" in s]
    assert len(org) == 1 and org[0].startswith("SELECT core_organization.short_name FROM")


def test_the_public_site_reads_the_organization_once(db, client):
    db.add(Organization(name="Serviço Autônomo", short_name="SAAE Vale", municipality="Vale",
                        uf="SP"))
    db.commit()
    _, seen = page_statements(client, "/portal/")
    org = [s for s in seen if "core_organization" in s]
    assert len(org) == 1 and "core_organization.short_name FROM" not in org[0]
