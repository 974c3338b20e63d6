"""No N+1: the main staff and portal pages, over the demo data (dozens of rows on each list),
issue at most a fixed number of SQL statements each, however many rows they show.

Counted with SQLAlchemy's `before_cursor_execute` hook on the engine, for one request after a
first one (the first fills the per-process memos a worker keeps: the catalogue, the registry).
A page over its budget fails with its count and its statements, most repeated first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from core.auth import Profile
from core.db import get_engine

BUDGET = 25  # statements per page, whatever the number of rows it lists
# pages cut further for issue 17 (measured 3, 5, 3, 3, 2, 8 and 8 statements): kept from
# creeping back (the reception page reads its rows' points, routes and receivers once: 8 with rows)
TIGHTER = {"/portal/": 4, "/lims/amostras": 5, "/incidentes": 4, "/comercial/ligacoes": 4,
           "/portal/minha-agua": 3, "/lims/resultados/grade": 8, "/lims/recepcao": 8}
# any year (measured 2); any sample (measured 4: one more for its laboratory, one for its origin)
PREFIXED = (("/portal/relatorios/anual/", 3), ("/lims/amostras/", 6))
# the demo, seeded once per worker (tests/conftest.py): each test rolled back on top
pytestmark = pytest.mark.demo_db


def budget(url: str) -> int:
    path = url.split("?")[0]
    return next((n for prefix, n in PREFIXED if path.startswith(prefix)), TIGHTER.get(path, BUDGET))


@contextmanager
def counting() -> Iterator[list[str]]:
    seen: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def _first(db: Session, sql: str) -> object:
    return db.execute(text(sql)).scalar()


def staff_pages(db: Session) -> list[str]:
    sample = _first(db, "SELECT min(id) FROM lims_sample WHERE state = 'PUBLICADA'")
    incident = _first(db, "SELECT min(id) FROM incidents_incident")
    connection = _first(db, "SELECT min(id) FROM commercial_connection")
    system = _first(db, "SELECT min(id) FROM lims_supply_system")
    pages = ["/", "/lims/amostras", "/lims/amostras?estado=PUBLICADA",
             f"/lims/amostras?sistema={system}", f"/lims/amostras/{sample}", "/lims/validacao",
             "/lims/resultados/grade", "/lims/recepcao", "/incidentes",
             "/comercial/ligacoes", "/comercial/ligacoes?q=silva", "/comercial/ligacoes?q=jose",
             f"/comercial/ligacoes/{connection}"]
    if incident:
        pages.append(f"/incidentes/{incident}")
    return pages


def portal_pages(db: Session) -> list[str]:
    system = _first(db, "SELECT min(id) FROM lims_supply_system")
    point = _first(db, "SELECT min(id) FROM lims_collection_point WHERE kind <> 'captacao'")
    prev = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return ["/portal/", "/portal/minha-agua?q=centro", "/portal/minha-agua?q=rua",
            f"/portal/sistemas/{system}", f"/portal/pontos/{point}", "/portal/relatorios",
            f"/portal/relatorios/{system}/{prev.year}/{prev.month}",
            f"/portal/relatorios/anual/{prev.year}", "/portal/avisos", "/portal/mapa",
            "/api/v1/dados-abertos/resultados?por_pagina=100",
            f"/api/v1/dados-abertos/resumos-mensais?ano={prev.year}",
            "/api/v1/dados-abertos/pontos"]


@pytest.fixture()
def demo(db: Session) -> Session:
    db.commit()
    return db


def _over_budget(client: FlaskClient, pages: list[str]) -> tuple[dict[str, int], list[str]]:
    counts, over = {}, []
    for url in pages:
        first = client.get(url)
        assert first.status_code == 200, (url, first.status_code)
        with counting() as seen:
            resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        counts[url] = len(seen)
        if len(seen) > budget(url):
            top = Counter(" ".join(s.split())[:160] for s in seen).most_common(3)
            over.append(f"{url}: {len(seen)} statements; most repeated: {top}")
    return counts, over


def test_pages_stay_within_the_statement_budget(app: Flask, client: FlaskClient, demo: Session,
                                                login_as) -> None:  # type: ignore[no-untyped-def]
    rows = _first(demo, "SELECT count(*) FROM lims_sample")
    assert rows and rows > 85, "the demo must list dozens of samples for an N+1 to show"
    portal_counts, portal_over = _over_budget(client, portal_pages(demo))
    login_as(Profile.ADMINISTRATOR, Profile.MANAGER, Profile.SUPERVISOR, Profile.ANALYST,
             Profile.DISTRIBUTOR, Profile.OPERATOR)
    staff_counts, staff_over = _over_budget(client, staff_pages(demo))
    print("\n".join(f"{n:4d} {u}" for u, n in {**portal_counts, **staff_counts}.items()))
    assert not portal_over + staff_over, "\n".join(portal_over + staff_over)
