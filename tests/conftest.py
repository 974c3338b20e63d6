"""One conftest for the whole suite.

- A fresh PostgreSQL database per test run (per xdist worker), migrated once, dropped at the end.
- Each test runs inside a transaction on one connection; the app's `core.db.session` joins it
  with SAVEPOINTs, so services may commit freely and everything is rolled back afterwards.
- Factories are fixtures (`make_user`, `login_as`).
- The full demo (`saae.seed.seed_demo`) is seeded once per worker, on first request, into a
  second database beside the test database (`demo_engine`); a module marked
  `pytest.mark.demo_db` gets `db` (and so `client`, `login_as`...) on that database, each test
  inside a transaction rolled back afterwards, so every test sees the pristine demo.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from core import db as core_db
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


def _new_database(kind: str) -> tuple[str, str]:
    """(name, SQLAlchemy url) of a new, migrated database of this worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"saae_{kind}_{worker}_{uuid.uuid4().hex[:8]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    from saae.migrate import upgrade

    upgrade(url)
    return name, url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name, url = _new_database("t")
    yield url
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


@contextmanager
def bound_session(engine: Engine) -> Iterator[Connection]:
    """`core.db.session` (and `core.db.get_engine()`) on ONE connection of `engine`, inside an
    outer transaction rolled back at the end; the session joins it with SAVEPOINTs, so the
    code under test may commit freely. Afterwards the session is bound as it was. The
    per-process memos are emptied on the way in and out: the same ids name other records in
    the other database."""
    before_engine, before = core_db._engine, dict(SessionFactory.kw)
    conn = engine.connect()
    outer = conn.begin()
    db_session.remove()
    clear_process_memos()
    core_db._engine = engine
    SessionFactory.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield conn
    finally:
        db_session.remove()
        core_db._engine = before_engine
        SessionFactory.kw.clear()
        SessionFactory.kw.update(before)
        clear_process_memos()
        if outer.is_active:
            outer.rollback()
        conn.close()


def _demo_time() -> tuple[dt.date, bool]:
    """What the demo's data hang on: the date, and whether the lab's daily reading of its
    standards (13:00 UTC, lims/demo/worksheets.py READ_AT) is past: a demo seeded on the other
    side of either shows another window (the 60 days of QC history)."""
    now = dt.datetime.now(dt.UTC)
    return dt.date.today(), now.time() >= dt.time(13, 0)


class _DemoDatabase:
    """The worker's demo database, seeded (and committed) on first use; seeded again, in a
    new database, when the day or the side of the lab's daily reading changed since."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.name: str | None = None
        self.engine: Engine | None = None
        self.seeded_for: tuple[dt.date, bool] | None = None

    def current(self) -> Engine:
        if self.engine is None or self.seeded_for != _demo_time():
            self.drop()
            self._build()
        assert self.engine is not None
        return self.engine

    def _build(self) -> None:
        from saae.seed import seed_demo

        self.seeded_for = _demo_time()
        self.name, url = _new_database("d")
        self.engine = core_db.make_engine(url)
        with bound_session(self.engine) as conn, self.app.app_context():
            seed_demo(self.seeded_for[0])
            db_session.commit()
            conn.commit()  # the outer transaction: the demo stays

    def drop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self.name is not None:
            _pg_exec(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.name = None


@pytest.fixture(scope="session")
def demo_database(app: Flask) -> Iterator[_DemoDatabase]:
    """The worker's demo database (see `_DemoDatabase`); use `demo_engine` or mark the module
    `pytest.mark.demo_db`."""
    demo = _DemoDatabase(app)
    yield demo
    demo.drop()


@pytest.fixture(scope="module")
def demo_engine(demo_database: _DemoDatabase) -> Engine:
    """The engine of the seeded demo database (for `bound_session`, `live_server(engine=...)`):
    leave its data as found (write only inside a transaction rolled back)."""
    return demo_database.current()


@pytest.fixture()
def db(app: Flask, request: pytest.FixtureRequest) -> Iterator[Session]:
    """The app session, inside a transaction that is rolled back after the test; on the demo
    database when the module is marked `pytest.mark.demo_db`."""
    if request.node.get_closest_marker("demo_db") is None:
        engine = get_engine()
    else:
        engine = request.getfixturevalue("demo_database").current()
    with bound_session(engine), app.app_context():
        yield db_session()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "demo_db: the module's tests run on the demo database "
                            "(seeded once per worker), each rolled back")


@pytest.fixture(autouse=True)
def _fresh_process_memos() -> Iterator[None]:
    """The per-process memos (the portal's registry reads, the users' permissions keyed by
    user id and access version, the home page's connection count) start empty in every test:
    each test builds its own database, where the same ids name other records."""
    clear_process_memos()
    yield
    clear_process_memos()


def clear_process_memos() -> None:
    """Empty every per-process memo (register new ones here)."""
    from commercial.services import lookups
    from core.auth import models as auth_models
    from lims.services import minimums, quality
    from portal_publico import services as portal_services
    from telemetry import api as telemetry_api

    portal_services.clear_memo()
    telemetry_api.forget_asset_places()
    auth_models.forget_access_cache()
    lookups.forget_active_count()
    quality.forget_stored_summaries()
    minimums.forget_minimum_rules()


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
