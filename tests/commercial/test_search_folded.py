"""Searches run in the database on folded (lower-case, accent-free) columns: the same answers on
PostgreSQL (trigram indexes) and SQLite, accents or not in the query or the data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tests.commercial import search_scenario
from tests.reliability.sqlite_world import run_sqlite


def test_folded_search_finds_with_or_without_accents(db) -> None:
    search_scenario.build()
    got = search_scenario.answers()
    assert len(got["busca:jose"]) == 2 and got["busca:jose"] == got["busca:JOSÉ"]
    assert got["busca:são joão"] == got["busca:sao joao"] == got["busca:jose"]
    assert len(got["busca:MULLER"]) == 1 and len(got["busca:pão"]) == 1
    assert len(got["busca:ana_1"]) == 1 and len(got["busca:100%"]) == 1  # _ and % are literal
    assert got["busca:a%e"] == [] and got["busca:zz"] == []
    hoods = {x[0] for x in got["locate:paraiso"]}
    assert got["locate:paraiso"] == got["locate:Paraíso"]
    assert {"Jardim Paraíso", "Jardim Paraiso"} <= hoods  # each as stored, found either way
    assert sorted(got["bairros"]) == sorted({p[2] for p in search_scenario.PEOPLE})


def test_search_uses_the_trigram_indexes_on_postgresql(db) -> None:
    indexes = dict(db.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
        "('ix_commercial_connection_search_key', 'ix_commercial_consumer_search_name')")).all())
    assert len(indexes) == 2 and all("gin_trgm_ops" in d for d in indexes.values())


def test_same_answers_on_sqlite_and_postgresql(db, tmp_path: Path) -> None:
    search_scenario.build()
    on_pg = search_scenario.answers()
    on_sqlite = run_sqlite(tmp_path, """
        from tests.commercial import search_scenario
        with unit_of_work():
            search_scenario.build()
        print(json.dumps(search_scenario.answers()))
    """)
    on_sqlite.pop("_stderr")
    assert on_sqlite == {k: [list(x) if isinstance(x, tuple) else x for x in v]
                         for k, v in on_pg.items()}
