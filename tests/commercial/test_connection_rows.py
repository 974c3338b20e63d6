"""The connections page reads plain rows (lookups.connection_rows): the same connections, in
the same order, with the same name, address, economias and situation as the connections
themselves (lookups.search_connections), whatever the filter."""

from __future__ import annotations

from commercial.services import lookups
from core.auth import Profile
from tests.commercial import search_scenario
from tests.statements import page_statements


def _seen(c, name: str) -> tuple:  # type: ignore[no-untyped-def]
    return (c.id, c.matricula, name, c.address, c.neighbourhood, c.sector_code,
            c.total_economias, c.economias(), c.situation)


def test_rows_say_what_the_connections_say(db) -> None:
    search_scenario.build()
    for q in [*search_scenario.QUERIES, ""]:
        for kw in ({}, {"neighbourhood": "Vila Esperança"}, {"situation": "ativa"},
                   {"limit": 2, "offset": 1}):
            want = [_seen(c, c.consumer.name) for c in lookups.search_connections(q, **kw)]
            got = [_seen(r, r.consumer_name) for r in lookups.connection_rows(q, **kw)]
            assert got == want, (q, kw)


def test_the_page_lists_them_with_their_links(db, client, login_as) -> None:
    search_scenario.build()
    login_as(Profile.MANAGER)
    html = client.get("/comercial/ligacoes?q=vila").get_data(as_text=True)
    rows = lookups.connection_rows("vila")
    assert len(rows) == 2
    for r in rows:
        assert f'href="/comercial/ligacoes/{r.id}"' in html and r.consumer_name.replace("&", "&amp;") in html
        assert r.address in html


def test_the_page_in_four_statements(db, client, login_as) -> None:
    search_scenario.build()
    login_as(Profile.MANAGER)
    client.get("/comercial/ligacoes?q=vila")
    _html, seen = page_statements(client, "/comercial/ligacoes?q=vila")
    # the signed-in user, the rows, the neighbourhoods, the header's brand
    assert len(seen) == 4, seen
