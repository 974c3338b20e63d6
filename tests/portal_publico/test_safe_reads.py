"""portal_publico.services.safe: a public read calls the other area without a SAVEPOINT (two
statements a call) and, after a database error in it, rolls the read back so the rest of the
page still reads; a call that may follow a write (not a GET or HEAD, something pending in
the session, no request) keeps its SAVEPOINT and so the write."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from commercial import api as commercial_api
from core.db import session
from core.org import Organization
from incidents import api as incidents_api
from portal_publico import services as sv
from tests.statements import recorded


def _broken(*_a, **_k):  # type: ignore[no-untyped-def]
    session.execute(text("SELECT nada FROM tabela_que_nao_existe"))


@pytest.fixture()
def statements() -> Iterator[list[str]]:
    with recorded() as seen:
        yield seen


def test_a_page_reads_on_after_an_area_fails_in_the_database(world, org, client, monkeypatch):
    monkeypatch.setattr(incidents_api, "public_notices", _broken)
    resp = client.get("/portal/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "SAAE Vale Verde" in html and org.cnpj in html
    hoods = commercial_api.neighbourhoods()
    assert hoods and all(f'<option value="{h}">' in html for h in hoods)  # read after the error


def test_a_public_read_uses_no_savepoint(world, org, client, statements):
    client.get("/portal/")
    statements.clear()
    assert client.get("/portal/").status_code == 200
    assert not any("SAVEPOINT" in s for s in statements)


@pytest.mark.parametrize("method", ["POST", None])
def test_a_call_that_may_follow_a_write_keeps_its_savepoint(db, app, method):
    db.add(Organization(name="Gravada antes", short_name="G", municipality="X", uf="SP"))
    db.flush()

    def run() -> None:
        assert sv.safe(_broken, default="padrão") == "padrão"
        assert db.scalars(select(Organization.name)).all() == ["Gravada antes"]

    if method is None:
        run()
    else:
        with app.test_request_context("/portal/", method=method):
            run()


def test_a_get_with_a_change_waiting_keeps_its_savepoint(db, app):
    with app.test_request_context("/portal/", method="GET"):
        db.add(Organization(name="Ainda não gravada", short_name="N", municipality="X", uf="SP"))
        assert sv.safe(_broken, default=[]) == []
        assert db.scalars(select(Organization.name)).all() == ["Ainda não gravada"]
