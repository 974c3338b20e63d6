"""The one Alembic history runs on PostgreSQL (the session database) and on a fresh SQLite
file (the embedded demo), and creates every table the models declare."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.db import Base
from saae.migrate import alembic_config, upgrade


def _model_tables() -> set[str]:
    import saae.models  # noqa: F401  every area's models

    return set(Base.metadata.tables)


def _head(url: str) -> str:
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1, f"the history must stay linear, heads: {heads}"
    return heads[0]


def _current(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _check(engine: sa.Engine, url: str) -> None:
    assert _current(engine) == _head(url)
    tables = set(sa.inspect(engine).get_table_names())
    missing = _model_tables() - tables
    assert not missing, f"models without a migration: {sorted(missing)}"
    assert {"core_user", "core_audit_log", "core_outbox", "alembic_version"} <= tables
    for table in tables - {"alembic_version"}:
        assert table.split("_", 1)[0] in {"core", "lims", "telemetry", "commercial",
                                          "incidents", "portal", "labels"}, table


def test_postgresql_is_at_head_with_every_table(database_url):
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        assert engine.dialect.name == "postgresql"
        _check(engine, database_url)
    finally:
        engine.dispose()


def test_full_upgrade_on_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        _check(engine, url)
        # the audit history is append-only on SQLite too (triggers of 0001_core)
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO core_audit_log (at, action, model, row_id, changes) "
                "VALUES ('2026-01-01 00:00:00', 'insert', 'x', '1', '{}')"))
        for sql in ("UPDATE core_audit_log SET reason = 'x'", "DELETE FROM core_audit_log"):
            with engine.begin() as conn:
                try:
                    conn.execute(sa.text(sql))
                except sa.exc.DBAPIError as exc:
                    assert "append-only" in str(exc)
                else:  # pragma: no cover
                    raise AssertionError(f"{sql} was allowed")
        # running it again is a no-op
        upgrade(url)
        assert _current(engine) == _head(url)
    finally:
        engine.dispose()
