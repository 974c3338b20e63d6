"""A scratch PostgreSQL database for a benchmark: created, migrated, an app on it, dropped."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# the maintenance database of the server the tests use (same variable as tests/conftest.py)
ADMIN = os.environ.get("SAAE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(prefix: str, keep: bool = False) -> Iterator[tuple[str, str]]:
    """Create and migrate a database named `prefix_xxxxxx` and yield (name, SQLAlchemy URL);
    afterwards, whatever happens, close the app's engine and drop it (unless `keep`)."""
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        from saae.migrate import upgrade  # after the sys.path line above

        upgrade(url)
        yield name, url
    finally:
        from core import db as core_db  # after the sys.path line above

        if core_db._engine is not None:
            core_db._engine.dispose()
        drop_unless_kept(name, keep)


@contextmanager
def scratch_app(prefix: str, data_dir: str | None = None, *, config: dict | None = None,
                keep: bool = False, **settings: object) -> Iterator[object]:
    """Yield a Flask app (env=test, extra `settings`, Flask `config`) on a fresh, migrated
    database named `prefix_xxxxxx`; the database is dropped afterwards (unless `keep`)."""
    with scratch_database(prefix, keep) as (_name, url):
        from core.config import Settings  # after the sys.path line above
        from saae.app import create_app

        yield create_app(Settings.from_env({}, env="test", database_url=url,
                                           data_dir=Path(data_dir or tempfile.mkdtemp()),
                                           **settings), **(config or {}))


def drop_unless_kept(name: str, keep: bool) -> None:
    """Drop the benchmark's database `name`, or say it was kept (--keep)."""
    if keep:
        print(f"kept database {name}")
        return
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
