"""Database plumbing: typed declarative base, one scoped session, and @transactional.

Services own the transaction: the outermost `@transactional` call commits, nested calls join
it, and any exception rolls the whole unit of work back, so nothing is ever half-written.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Generic, ParamSpec, TypeVar

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    Numeric,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from core.domain_errors import NotFound

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC; every `*_at` column stores this."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on PostgreSQL and SQLite alike (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        Decimal: Numeric(12, 2),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


SessionFactory = sessionmaker(expire_on_commit=False)
session: scoped_session[Session] = scoped_session(SessionFactory)
_engine: Engine | None = None
M = TypeVar("M")


def get_or_404(model: type[M], ident: Any, message: str, **options: Any) -> M:
    """The row of `model` with primary key `ident`, or NotFound(`message`, pt-BR) when there
    is none; `options` go to `Session.get` (e.g. with_for_update=True)."""
    row = session.get(model, ident, **options)
    if row is None:
        raise NotFound(message)
    return row


# ids bound per statement in set-based work: far below PostgreSQL's 65,535 parameters and
# SQLite's 32,766
CHUNK = 5000
T = TypeVar("T")


def table_stamp(model: Any) -> tuple[Any, ...]:
    """(rows, greatest id, latest updated_at) of a table of IdMixin + TimestampMixin rows: any
    insert, delete or ORM update changes it, so a per-process memo of rows read from a small
    reference table (the sampling minimums...) is keyed by it and never serves stale rows.
    One aggregate query instead of loading the rows again."""
    return tuple(session.execute(select(func.count(), func.max(model.id),
                                        func.max(model.updated_at))).one())


# -- reads repeated within one unit of work ---------------------------------------------------

_UNIT_MEMO = "core.unit_memo"


def unit_memo(key: Any, compute: Callable[[], T], *, models: tuple[type, ...]) -> T:
    """`compute()` once per unit of work (the session's transaction) for `key`: a read that
    many steps of one request repeat (the approved plan of a system's year for each of twelve
    months of the annual report). `models` are the tables the value is read from: while this
    session holds unflushed changes to one of them the value is computed afresh, a flush that
    changes one forgets it, and commit or rollback forget everything (another transaction may
    have written since)."""
    if _pending(models):
        session.info.get(_UNIT_MEMO, {}).pop(key, None)
        return compute()
    memo = session.info.setdefault(_UNIT_MEMO, {})
    if key not in memo:
        memo[key] = (models, compute())
    return memo[key][1]  # type: ignore[no-any-return]


def unit_memo_keep(key: Any, value: Any, *, models: tuple[type, ...]) -> None:
    """Keep `value` for `key` in this unit of work, as unit_memo would: a value read ahead
    for later steps of the same request (the annual report's months, read in one query)."""
    if not _pending(models):
        session.info.setdefault(_UNIT_MEMO, {})[key] = (models, value)


def unit_memo_kept(key: Any, *, models: tuple[type, ...]) -> Any:
    """The value kept for `key` in this unit of work, or None (nothing was read ahead, or
    this session holds unflushed changes to `models`)."""
    memo = session.info.get(_UNIT_MEMO)
    if not memo or key not in memo:
        return None
    if _pending(models):
        del memo[key]
        return None
    return memo[key][1]


def forget_unit_memo() -> None:
    """Forget what this unit of work kept (a new request's session starts without it; the
    tests' client, under one app context, reuses the same session across requests)."""
    session.info.pop(_UNIT_MEMO, None)


def _pending(models: tuple[type, ...]) -> bool:
    """This session holds unflushed changes to rows of `models`."""
    sess = session()
    return any(isinstance(o, models) for o in (*sess.new, *sess.dirty, *sess.deleted))


class TableMemo(Generic[T]):
    """One value read from a small reference table (the sampling minimums, the mapped assets),
    kept per process while the table's stamp (`table_stamp`, read once per unit of work) is
    unchanged: any insert, delete or ORM edit renews it."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._kept: tuple[tuple[Any, ...], T] | None = None

    def get(self, read: Callable[[], T]) -> T:
        stamp = unit_memo(("table_stamp", self.model.__tablename__),
                          lambda: table_stamp(self.model), models=(self.model,))
        kept = self._kept
        if kept is not None and kept[0] == stamp:
            return kept[1]
        value = read()
        self._kept = (stamp, value)
        return value

    def forget(self) -> None:
        self._kept = None


@event.listens_for(Session, "before_flush")
def _unit_memo_flush(sess: Session, _ctx: Any, _instances: Any) -> None:
    memo = sess.info.get(_UNIT_MEMO)
    if not memo:
        return
    changed = {type(o) for o in (*sess.new, *sess.dirty, *sess.deleted)}
    for key in [k for k, (models, _v) in memo.items()
                if any(issubclass(c, models) for c in changed)]:
        del memo[key]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _unit_memo_end(sess: Session, *_a: Any) -> None:
    sess.info.pop(_UNIT_MEMO, None)


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in slices of at most `size` (the ids of one `WHERE id IN (...)`)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def ids_in(column: Any, ids: list[int]) -> Any:
    """`column IN (1, 2, ...)` with the integers written into the SQL text: thousands of bound
    parameters cost more to parse in the driver (psycopg splits the query at every
    placeholder) than the statement costs to run. Integers only."""
    values = [int(i) for i in ids]
    return column.in_(bindparam("ids", values, expanding=True, literal_execute=True, unique=True))


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "savepoint")
        def _sqlite_begin_before_savepoint(conn: Any, _name: str) -> None:
            # pysqlite emits BEGIN only before INSERT/UPDATE/DELETE, never before a SAVEPOINT:
            # a SAVEPOINT then opened a transaction of its own, and its RELEASE committed it,
            # so a later failure of the same unit of work could not undo it (a rejected field
            # item was stored anyway). BEGIN first. IMMEDIATE: a unit that needs a savepoint
            # writes, and taking the write lock now spares it SQLite's "database is locked"
            # when another writer commits between its reads and its first write. (SQLAlchemy's
            # full pysqlite recipe, BEGIN on every transaction, makes every read-then-write
            # service fail that way under the demo's concurrent writers.)
            dbapi_conn = conn.connection.dbapi_connection
            if dbapi_conn is not None and not dbapi_conn.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        # a database host that stopped answering: fail in seconds (a 503), not minutes
        kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)
    return engine


# A pooled connection left idle this long is pinged before it is used again (the database may
# have restarted or dropped it meanwhile: the ping finds it dead and the pool opens another).
# One in steady use is not: SQLAlchemy's pool_pre_ping sent a round trip before every request
# (~0.1 ms of a web worker's CPU and the database's, ~2 % of a request). A connection that dies
# while in use fails that one request; SQLAlchemy then renews the whole pool.
PING_IDLE_SECONDS = 10.0


def ping_when_idle(engine: Engine, idle_seconds: float = PING_IDLE_SECONDS) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["saae_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("saae_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: this connection is not trusted again
            raise DisconnectionError("conexão ociosa não respondeu ao ping") from exc


def init_engine(url: str, **kwargs: Any) -> Engine:
    """Create the process-wide engine and bind the session factory to it."""
    global _engine
    if _engine is not None and _engine.url.render_as_string(hide_password=False) == url:
        return _engine
    _engine = make_engine(url, **kwargs)
    SessionFactory.configure(bind=_engine)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("init_engine() was not called")
    return _engine


P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "saae_tx_depth"


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function as one unit of work on `core.db.session`.

    The outermost call commits (or rolls back on any exception); nested calls join it.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return fn(*args, **kwargs)

    return wrapper


@contextmanager
def unit_of_work(s: Session | None = None) -> Iterator[Session]:
    """Context-manager form of @transactional."""
    s = s or session()
    depth = s.info.get(_DEPTH, 0)
    s.info[_DEPTH] = depth + 1
    try:
        yield s
        if depth == 0:
            s.commit()
        else:
            s.flush()
    except BaseException:
        if depth == 0:
            s.rollback()
        raise
    finally:
        s.info[_DEPTH] = depth
