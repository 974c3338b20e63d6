"""The embedded store: the `telemetry_reading` table (see telemetry.storage)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from core.db import make_engine, session
from telemetry.connectors.base import Reading
from telemetry.models.tags import ReadingRow
from telemetry.storage.base import StoreHealth, StoreRejected, StoreUnavailable, check_aware

__all__ = ["SqlStorage", "make_engine"]  # make_engine: for telemetry.storage.open_storage


class SqlStorage:
    """Readings in `telemetry_reading`, through SQLAlchemy Core (no ORM per row).

    With no engine it uses whatever `core.db.session` is bound to: the app's engine (a short
    transaction of its own per call, so telemetry never rides on a request's unit of work) or,
    in tests, the test's connection (so the test's rollback removes the readings too)."""

    backend = "sql"

    def __init__(self, engine: Any = None) -> None:
        self._engine = engine

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        bind = self._engine
        if bind is None:
            bind = session().get_bind()
        if isinstance(bind, Connection):
            yield bind
            return
        try:
            with bind.begin() as conn:
                yield conn
        except Exception as exc:
            if isinstance(exc, OperationalError) or (
                isinstance(exc, DBAPIError) and exc.connection_invalidated
            ):
                raise StoreUnavailable(f"banco de dados indisponível: {exc.__class__.__name__}") from exc
            if isinstance(exc, DataError | IntegrityError):  # the data, not the database
                raise StoreRejected(f"banco recusou as leituras: {str(exc.orig)[:200]}") from exc
            raise

    def write(self, readings: Sequence[Reading]) -> int:
        if not readings:
            return 0
        rows = [{"tag": r.tag, "ts": r.ts, "value": float(r.value), "quality": r.quality}
                for r in readings]
        with self._conn() as conn:
            insert = (postgresql.insert if conn.dialect.name == "postgresql"
                      else sqlite.insert)
            stmt = insert(ReadingRow.__table__)
            stmt = stmt.on_conflict_do_update(
                index_elements=["tag", "ts"],
                set_={"value": stmt.excluded.value, "quality": stmt.excluded.quality},
            )
            # one statement per chunk keeps SQLite under its bound-parameter limit
            for i in range(0, len(rows), 2000):
                conn.execute(stmt, rows[i:i + 2000])
        return len(rows)

    def read_window(self, tag: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
        check_aware(start, end)
        t = ReadingRow.__table__
        stmt = (select(t.c.ts, t.c.value, t.c.quality)
                .where(t.c.tag == tag, t.c.ts >= start, t.c.ts < end).order_by(t.c.ts))
        with self._conn() as conn:
            return [Reading(tag, ts, value, q) for ts, value, q in conn.execute(stmt)]

    def last(self, tag: str) -> Reading | None:
        t = ReadingRow.__table__
        stmt = (select(t.c.ts, t.c.value, t.c.quality).where(t.c.tag == tag)
                .order_by(t.c.ts.desc()).limit(1))
        with self._conn() as conn:
            row = conn.execute(stmt).first()
        return Reading(tag, row[0], row[1], row[2]) if row else None

    def latest_per_tag(self) -> dict[str, Reading]:
        t = ReadingRow.__table__
        newest = select(t.c.tag, func.max(t.c.ts).label("ts")).group_by(t.c.tag).subquery()
        stmt = select(t.c.tag, t.c.ts, t.c.value, t.c.quality).join(
            newest, (t.c.tag == newest.c.tag) & (t.c.ts == newest.c.ts))
        with self._conn() as conn:
            return {tag: Reading(tag, ts, v, q) for tag, ts, v, q in conn.execute(stmt)}

    def count(self, tag: str | None = None, since: dt.datetime | None = None) -> int:
        t = ReadingRow.__table__
        stmt = select(func.count()).select_from(t)
        if tag:
            stmt = stmt.where(t.c.tag == tag)
        if since:
            stmt = stmt.where(t.c.ts >= since)
        with self._conn() as conn:
            return int(conn.execute(stmt).scalar_one())

    def prune(self, before: dt.datetime) -> int:
        """Delete readings older than `before` (the embedded store keeps a short history)."""
        t = ReadingRow.__table__
        with self._conn() as conn:
            return conn.execute(delete(t).where(t.c.ts < before)).rowcount or 0

    def health(self) -> StoreHealth:
        t0 = time.perf_counter()
        try:
            with self._conn() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not healthy", shown to the operator
            return StoreHealth(False, self.backend, f"banco indisponível: {exc.__class__.__name__}")
        ms = (time.perf_counter() - t0) * 1000
        return StoreHealth(True, self.backend, "tabela de leituras do banco", round(ms, 1))

    def close(self) -> None:
        pass
