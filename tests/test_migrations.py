"""The one Alembic history runs on PostgreSQL (the session database) and on a fresh SQLite
file (the embedded demo), and creates exactly the schema the models declare: Alembic's
autogenerate comparison (tables, columns, types, nullability, indexes, unique and foreign
keys) finds nothing to change. After a release, a schema change is a new revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import saae.models  # noqa: F401  every area's models
from core.db import Base
from saae.migrate import alembic_config, upgrade

# Server defaults the database has and the models do not declare, with the reason. Each one
# was the backfill of a NOT NULL column added to a table that already had rows; the models
# set the value in Python, so the two agree on every row the application writes.
KNOWN_SERVER_DEFAULTS = {
    ("lims_parameter", "limit_kind"): "0009_lims_rules backfill ('vmp')",
    ("lims_supply_system", "disinfectant"): "0009_lims_rules backfill ('cloro_livre')",
    ("telemetry_anomaly", "shelved"): "0015_quality_events backfill (false)",
    ("telemetry_tag", "suspect"): "0017_sensor_lab backfill (false)",
    ("telemetry_tag", "suspect_reason"): "0017_sensor_lab backfill ('')",
}


def _model_tables() -> set[str]:
    return set(Base.metadata.tables)


def _drift(engine: sa.Engine, *, server_defaults: bool = False) -> list[object]:
    """What `alembic revision --autogenerate` would write (migrations/env.py compares types)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": server_defaults})
        diffs = compare_metadata(context, Base.metadata)
    flat = [d for item in diffs for d in (item if isinstance(item, list) else [item])]
    return [d for d in flat
            if not (d[0] == "modify_default" and (d[2], d[3]) in KNOWN_SERVER_DEFAULTS)
            and not _other_dialects_index(d, engine.dialect.name)]


def _other_dialects_index(diff: tuple, dialect: str) -> bool:
    """An index the models declare for another database only (`Index(...).ddl_if(dialect=...)`,
    e.g. ix_lims_result_published_order on PostgreSQL): its migration skips this dialect and
    Alembic's comparison (which hands back a copy of the index) does not read ddl_if."""
    if diff[0] != "add_index":
        return False
    declared = {ix.name: ix for t in Base.metadata.tables.values() for ix in t.indexes}
    ddl_if = getattr(declared.get(diff[1].name), "_ddl_if", None)
    return ddl_if is not None and ddl_if.dialect not in (None, dialect)


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


def _drift_of(url: str, *, server_defaults: bool = False, before: str | None = None) -> list:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        if before:
            with engine.begin() as conn:
                conn.execute(sa.text(before))
        return _drift(engine, server_defaults=server_defaults)
    finally:
        engine.dispose()


def test_postgresql_schema_matches_the_models(database_url):
    drift = _drift_of(database_url, server_defaults=True)
    assert not drift, f"models and migrations differ (write a new revision): {drift}"


def test_sqlite_schema_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'compare.db'}"
    upgrade(url)
    drift = _drift_of(url)
    assert not drift, f"models and migrations differ (write a new revision): {drift}"


def test_the_comparison_sees_a_missing_column(tmp_path):
    """The check above is not vacuous: a column the migrations lack is reported."""
    url = f"sqlite:///{tmp_path / 'short.db'}"
    upgrade(url)
    drift = _drift_of(url, before="ALTER TABLE core_organization DROP COLUMN website")
    assert any(d[0] == "add_column" and d[2] == "core_organization" and d[3].name == "website"
               for d in drift), drift


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
