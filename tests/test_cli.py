"""The `saae` command: demo, serve, worker, db upgrade, users create (on a scratch SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core import db as core_db
from saae.cli import main


@pytest.fixture()
def scratch_env(tmp_path, app) -> Iterator[dict[str, str]]:
    """Environment for a CLI run on its own SQLite file; the test session's engine is put
    back afterwards (commands build their own app, which rebinds core.db)."""
    saved = core_db._engine
    # a command builds its own app and binds the factory to its engine: start it from
    # SQLAlchemy's default join mode ("conditional_savepoint"), whatever a fixture set
    core_db.SessionFactory.configure(join_transaction_mode="conditional_savepoint")
    env = {"SAAE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "SAAE_DATA_DIR": str(tmp_path / "var"), "SAAE_ENV": "development",
           "SAAE_TASK_RUNNER": "inprocess"}
    try:
        yield env
    finally:
        core_db.session.remove()
        if core_db._engine is not saved and core_db._engine is not None:
            core_db._engine.dispose()
        core_db._engine = saved
        core_db.SessionFactory.configure(bind=saved)


def test_the_commands_exist():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("demo", "serve", "worker", "db", "users", "seed"):
        assert name in main.commands, name
    assert "upgrade" in main.commands["db"].commands
    assert "create" in main.commands["users"].commands
    for name in ("serve", "worker", "demo"):
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_db_upgrade_then_users_create(scratch_env):
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"], env=scratch_env)
    assert result.exit_code == 0, result.output
    assert "Banco atualizado" in result.output

    weak = runner.invoke(main, ["users", "create", "maria", "--name", "Maria", "--profile",
                                "analista", "--password", "fraca"], env=scratch_env)
    assert weak.exit_code != 0 and "pelo menos" in weak.output
    bad = runner.invoke(main, ["users", "create", "maria", "--name", "Maria", "--profile",
                               "astronauta", "--password", "Forte#Senha2026"], env=scratch_env)
    assert bad.exit_code != 0 and "Perfil inválido" in bad.output

    ok = runner.invoke(main, ["users", "create", "Maria", "--name", "Maria Souza", "--profile",
                              "analista", "--profile", "supervisor",
                              "--password", "Forte#Senha2026"], env=scratch_env)
    assert ok.exit_code == 0, ok.output
    engine = sa.create_engine(scratch_env["SAAE_DATABASE_URL"])
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT username, must_change_password FROM core_user")).one()
        profiles = conn.execute(sa.text(
            "SELECT p.code FROM core_profile p JOIN core_user_profile up ON up.profile_id = p.id"
        )).scalars().all()
    engine.dispose()
    assert row[0] == "maria" and row[1]  # lower-cased, must change at first access
    assert sorted(profiles) == ["analista", "supervisor"]


def test_seed_is_idempotent(scratch_env):
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=scratch_env).exit_code == 0
    for _ in range(2):
        result = runner.invoke(main, ["seed"], env=scratch_env)
        assert result.exit_code == 0, result.output
    engine = sa.create_engine(scratch_env["SAAE_DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM core_profile")).scalar()
    engine.dispose()
    from core.auth import Profile

    assert n == len(Profile)  # one built-in record a profile (9 with the vigilância)


@pytest.mark.slow
def test_demo_prepares_a_seeded_sqlite_database(scratch_env):
    """`saae demo --no-serve`: migrate, seed the demo utility and users of every profile."""
    from core.auth import Profile
    from saae.seed import DEMO_USERS

    result = CliRunner().invoke(main, ["demo", "--no-serve", "--reset"], env=scratch_env)
    assert result.exit_code == 0, (result.output, result.exception)
    engine = sa.create_engine(scratch_env["SAAE_DATABASE_URL"])
    with engine.connect() as conn:
        users = set(conn.execute(sa.text("SELECT username FROM core_user")).scalars())
        profiles = set(conn.execute(sa.text(
            "SELECT DISTINCT p.code FROM core_profile p "
            "JOIN core_user_profile up ON up.profile_id = p.id")).scalars())
        population = conn.execute(sa.text("SELECT population FROM core_organization")).scalar()
    engine.dispose()
    assert {u for u, _n, _p in DEMO_USERS} <= users
    assert profiles == {p.value for p in Profile}
    assert 55_000 <= population <= 65_000


def test_links_point_where_the_server_answers(monkeypatch, app):
    """Issue 22: the demo on --port 5123 sent links to :5000. Now serve/demo derive the public
    base URL from their host and port unless SAAE_PUBLIC_BASE_URL is set."""
    import dataclasses
    import socket
    from types import SimpleNamespace

    from incidents.services import notify
    from saae import cli

    monkeypatch.delenv("SAAE_PUBLIC_BASE_URL", raising=False)
    settings = cli._serving_settings("127.0.0.1", 5123)
    assert settings.public_base_url == "http://127.0.0.1:5123"
    assert cli.public_base_url("0.0.0.0", 8080) == f"http://{socket.getfqdn()}:8080"
    assert cli.public_base_url("::1", 8080) == "http://[::1]:8080"
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, public_base_url=settings.public_base_url)
    try:
        with app.app_context():
            link = notify.tracking_url(SimpleNamespace(public_token="abc123"))
    finally:
        app.config["SAAE_SETTINGS"] = old
    assert link == "http://127.0.0.1:5123/acompanhar/abc123"
    monkeypatch.setenv("SAAE_PUBLIC_BASE_URL", "https://agua.saae.gov.br")
    assert cli._serving_settings("127.0.0.1", 5123).public_base_url == "https://agua.saae.gov.br"
