"""One conftest for the whole suite.

- A fresh PostgreSQL database per test run (per xdist worker), migrated once, dropped at the end.
- Each test runs inside a transaction on one connection; the app's `core.db.session` joins it
  with SAVEPOINTs, so services may commit freely and everything is rolled back afterwards.
- Factories are fixtures (`make_user`, `login_as`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.auth import Profile, User
from core.config import Settings
from core.db import SessionFactory, get_engine
from core.db import session as db_session

PG_ADMIN = os.environ.get("SAAE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
TEST_PASSWORD = "Senha#Forte2026"
SHARED = Path(__file__).resolve().parents[2] / "shared"
# The GECCO 2018 Industrial Challenge feed (training half; also in the R package EventDetectR
# as geccoIC2018Train). Read in place, never copied into the repository.
GECCO = Path(os.environ.get("SAAE_GECCO_FILE") or SHARED / "data" / "gecco2018" / "train.csv.gz")
GECCO_MISSING = (f"dados GECCO 2018 ausentes em {GECCO}: coloque train.csv.gz (dataset "
                 "geccoIC2018Train do pacote R EventDetectR) em ../shared/data/gecco2018/ ao lado "
                 "do repositório, ou aponte SAAE_GECCO_FILE para o arquivo (ver README)")


def _pg_exec(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"saae_t_{worker}_{uuid.uuid4().hex[:8]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    from saae.migrate import upgrade

    upgrade(url)
    yield url
    from core import db as core_db

    if core_db._engine is not None:
        core_db._engine.dispose()
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(
        {},
        env="test",
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        task_runner="inprocess",
        timeseries_url="sql",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    from saae.app import create_app

    return create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """Login and search counts (core.throttle's in-process store) start empty in every test:
    all test requests come from 127.0.0.1 and user names repeat between tests."""
    from core import throttle

    throttle._stores.clear()
    yield


@pytest.fixture()
def db(app: Flask) -> Iterator[Session]:
    """The app session, inside a transaction that is rolled back after the test."""
    engine = get_engine()
    conn = engine.connect()
    outer = conn.begin()
    db_session.remove()
    SessionFactory.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        with app.app_context():
            yield db_session()
    finally:
        db_session.remove()
        SessionFactory.configure(bind=engine, join_transaction_mode="conditional_savepoint")
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture(autouse=True)
def _fresh_process_memos() -> Iterator[None]:
    """The per-process memos (the portal's registry reads, the users' permissions keyed by
    user id and access version, the home page's connection count) start empty in every test:
    each test builds its own database, where the same ids name other records."""
    from commercial.services import lookups
    from core.auth import models as auth_models
    from lims.services import minimums, quality
    from portal_publico import services as portal_services

    def clear() -> None:
        portal_services.clear_memo()
        auth_models.forget_access_cache()
        lookups.forget_active_count()
        quality.forget_stored_summaries()
        minimums.forget_minimum_rules()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _system_actor_after_each_test() -> Iterator[None]:
    """A request made through the test client sets the audit actor in this thread (core.web
    sets it per request and never resets it); put the system back so the next test does not
    inherit the previous test's user (order-dependent failures under xdist)."""
    yield
    from core import audit

    audit.set_actor(audit.SYSTEM)


@pytest.fixture()
def client(app: Flask, db: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def make_user(db: Session) -> Callable[..., User]:
    from saae.seed import create_user

    counter = iter(range(1, 10_000))

    def make(*profiles: Profile, username: str | None = None, name: str | None = None,
             password: str = TEST_PASSWORD) -> User:
        profiles = profiles or (Profile.ANALYST,)
        username = username or f"{profiles[0].value}{next(counter)}"
        user = create_user(username, name or username.title(), list(profiles), password)
        db.commit()
        return user

    return make


@pytest.fixture()
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Sign the test client in as a new user with these profiles."""

    def login(*profiles: Profile, **kw: object) -> User:
        user = make_user(*profiles, **kw)
        resp = client.post("/entrar", data={"username": user.username, "password": TEST_PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return user

    return login


@pytest.fixture()
def api_token(db: Session, make_user: Callable[..., User]) -> Callable[..., tuple[User, str]]:
    from core.auth import issue_token

    def make(*profiles: Profile) -> tuple[User, str]:
        user = make_user(*profiles)
        token = issue_token(user, "teste")
        db.commit()
        return user, token

    return make
