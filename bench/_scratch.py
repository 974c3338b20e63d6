"""A scratch PostgreSQL database for a benchmark: created, migrated, an app on it, dropped."""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_app(prefix: str, data_dir: str | None = None, *, config: dict | None = None,
                **settings: object) -> Iterator[object]:
    """Yield a Flask app (env=test, extra `settings`, Flask `config`) on a fresh, migrated
    database named `prefix_xxxxxx`; the database is dropped afterwards, whatever happens."""
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        from core.config import Settings
        from saae.app import create_app
        from saae.migrate import upgrade

        upgrade(url)
        yield create_app(Settings.from_env({}, env="test", database_url=url,
                                           data_dir=Path(data_dir or tempfile.mkdtemp()),
                                           **settings), **(config or {}))
    finally:
        from core import db as core_db

        if core_db._engine is not None:
            core_db._engine.dispose()
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_unless_kept(name: str, keep: bool) -> None:
    """Drop the benchmark's database `name`, or say it was kept (--keep)."""
    if keep:
        print(f"kept database {name}")
        return
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
