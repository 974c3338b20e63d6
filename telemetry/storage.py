"""Time-series storage: one interface, two backends.

- `InfluxStorage`: InfluxDB through the v1 HTTP API (POST /write line protocol, GET/POST
  /query InfluxQL). Works on InfluxDB 1.x and on 2.x/3.x through their v1 compatibility
  endpoints. Measurement `reading`, tag key `tag`, fields `value` (float), `quality`
  (string, only written when not "good", so the common case stays small) and `status`
  (integer, the OPC UA status code, only written when not 0).
- `SqlStorage`: the `telemetry_reading` table (SAAE_TIMESERIES_URL=sql, the embedded demo).

The interface (every backend, synchronous; the ingester calls it from a worker thread):

    write(readings) -> int                      batch; raises StoreUnavailable when down
    read_window(tag, start, end) -> [Reading]   [start, end), oldest first
    last(tag) -> Reading | None
    latest_per_tag() -> {tag: Reading}
    health() -> StoreHealth
    close()

Writes are idempotent per (tag, ts): replaying a buffer segment twice stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from telemetry.connectors.base import Reading

if TYPE_CHECKING:
    from core.config import Settings

log = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MEASUREMENT = "reading"


class StoreUnavailable(RuntimeError):
    """The store cannot take writes right now (down, timing out, 5xx): buffer and retry."""


class StoreRejected(RuntimeError):
    """The store refused the data itself (4xx): retrying the same batch will not help."""


@dataclass(frozen=True)
class StoreHealth:
    ok: bool
    backend: str  # influxdb | sql
    detail: str = ""
    latency_ms: float | None = None


class Storage(Protocol):
    backend: str

    def write(self, readings: Sequence[Reading]) -> int: ...

    def read_window(self, tag: str, start: dt.datetime, end: dt.datetime) -> list[Reading]: ...

    def last(self, tag: str) -> Reading | None: ...

    def latest_per_tag(self) -> dict[str, Reading]: ...

    def health(self) -> StoreHealth: ...

    def close(self) -> None: ...


def to_us(ts: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no float rounding)."""
    d = ts - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def _check_aware(*values: dt.datetime) -> None:
    for v in values:
        if v.tzinfo is None:
            raise ValueError("naive datetime given to the telemetry store")


# ---------------------------------------------------------------------------------------------
# InfluxDB (v1 HTTP API)
# ---------------------------------------------------------------------------------------------

_TAG_ESCAPE = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\=", "\\": "\\\\"})


def escape_tag(value: str) -> str:
    return value.translate(_TAG_ESCAPE)


def line_protocol(readings: Sequence[Reading]) -> bytes:
    """Line protocol at microsecond precision, e.g. `reading,tag=PT-01 value=3.2 17...`."""
    esc = escape_tag
    out = []
    append = out.append
    for r in readings:
        d = r.ts - EPOCH
        us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
        if r.quality == "good" and not r.status:
            append(f"{MEASUREMENT},tag={esc(r.tag)} value={float(r.value)!r} {us}")
        else:
            extra = f',quality="{r.quality}"' if r.quality != "good" else ""
            if r.status:
                extra += f",status={r.status}i"
            append(f"{MEASUREMENT},tag={esc(r.tag)} value={float(r.value)!r}{extra} {us}")
    return ("\n".join(out)).encode()


class InfluxStorage:
    backend = "influxdb"

    def __init__(self, url: str, database: str = "saae", user: str = "", password: str = "",
                 timeout: float = 10.0) -> None:
        import requests

        self.url = url.rstrip("/")
        self.database = database
        self.timeout = timeout
        self._http = requests.Session()
        if user:
            self._http.auth = (user, password)
        self._lock = threading.Lock()
        self._db_ready = False

    # -- plumbing ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kw: Any) -> Any:
        import requests

        try:
            with self._lock:  # requests.Session is not thread-safe
                resp = self._http.request(method, self.url + path, timeout=self.timeout, **kw)
        except requests.RequestException as exc:
            raise StoreUnavailable(f"InfluxDB inacessível em {self.url}: {exc.__class__.__name__}") from exc
        if resp.status_code >= 500:
            raise StoreUnavailable(f"InfluxDB respondeu {resp.status_code}: {resp.text[:200]}")
        return resp

    def ensure_database(self) -> None:
        """CREATE DATABASE is idempotent in InfluxQL; run it once per process."""
        resp = self._request("POST", "/query", params={"q": f'CREATE DATABASE "{self.database}"'})
        if resp.status_code >= 400:
            # InfluxDB 2.x/3.x v1-compatibility endpoints do not create databases (the bucket
            # and its DBRP mapping are made by the administrator): go on and let writes tell
            log.warning("InfluxDB não criou o banco %s (%s): %s", self.database,
                        resp.status_code, resp.text[:200])
        self._db_ready = True

    def query(self, q: str) -> list[dict[str, Any]]:
        """Run one InfluxQL statement; the list of series of its first result."""
        if not self._db_ready:
            self.ensure_database()
        resp = self._request("GET", "/query",
                             params={"db": self.database, "q": q, "epoch": "u"})
        if resp.status_code >= 400:
            raise StoreRejected(f"InfluxDB recusou a consulta: {resp.text[:200]}")
        body = resp.json()
        results = body.get("results") or [{}]
        if "error" in results[0]:
            raise StoreRejected(f"InfluxDB: {results[0]['error']}")
        return results[0].get("series") or []

    # -- interface --------------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> int:
        if not readings:
            return 0
        return self.write_lines(line_protocol(readings), len(readings))

    def write_lines(self, body: bytes, count: int) -> int:
        if not self._db_ready:
            self.ensure_database()
        resp = self._request("POST", "/write", params={"db": self.database, "precision": "u"},
                             data=body, headers={"Content-Type": "text/plain; charset=utf-8"})
        if resp.status_code == 404:  # database dropped under us: recreate once, then retry
            self.ensure_database()
            resp = self._request("POST", "/write", params={"db": self.database, "precision": "u"},
                                 data=body)
        if resp.status_code >= 400:
            raise StoreRejected(f"InfluxDB recusou {count} leituras ({resp.status_code}): {resp.text[:300]}")
        return count

    @staticmethod
    def _q(value: str) -> str:
        return value.replace("\\", "\\\\").replace("'", "\\'")

    def _rows(self, series: list[dict[str, Any]], tag: str | None = None) -> list[Reading]:
        out = []
        for s in series:
            name = tag or (s.get("tags") or {}).get("tag", "")
            cols = s["columns"]
            it, iv = cols.index("time"), cols.index("value")
            iq = cols.index("quality") if "quality" in cols else None
            ist = cols.index("status") if "status" in cols else None
            for row in s.get("values") or []:
                if row[iv] is None:
                    continue
                q = (row[iq] if iq is not None else None) or "good"
                st = (row[ist] if ist is not None else None) or 0
                out.append(Reading(name, from_us(int(row[it])), float(row[iv]), q, int(st)))
        return out

    def read_window(self, tag: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
        _check_aware(start, end)
        q = (f"SELECT value, quality, status FROM {MEASUREMENT} WHERE \"tag\" = '{self._q(tag)}' "
             f"AND time >= {to_us(start)}u AND time < {to_us(end)}u ORDER BY time ASC")
        return self._rows(self.query(q), tag)

    def last(self, tag: str) -> Reading | None:
        q = (f"SELECT value, quality, status FROM {MEASUREMENT} WHERE \"tag\" = '{self._q(tag)}' "
             f"ORDER BY time DESC LIMIT 1")
        rows = self._rows(self.query(q), tag)
        return rows[0] if rows else None

    def latest_per_tag(self, lookback: dt.timedelta = dt.timedelta(days=7)) -> dict[str, Reading]:
        q = (f"SELECT value, quality, status FROM {MEASUREMENT} WHERE time > now() - "
             f"{int(lookback.total_seconds())}s GROUP BY \"tag\" ORDER BY time DESC LIMIT 1")
        return {r.tag: r for r in self._rows(self.query(q))}

    def count(self, tag: str | None = None, since: dt.datetime | None = None) -> int:
        """Number of stored readings (for checks and benchmarks)."""
        where = []
        if tag:
            where.append(f"\"tag\" = '{self._q(tag)}'")
        if since:
            where.append(f"time >= {to_us(since)}u")
        q = f"SELECT count(value) FROM {MEASUREMENT}" + (" WHERE " + " AND ".join(where) if where else "")
        series = self.query(q)
        return int(series[0]["values"][0][1]) if series else 0

    def health(self) -> StoreHealth:
        t0 = time.perf_counter()
        try:
            resp = self._request("GET", "/ping")
        except StoreUnavailable as exc:
            return StoreHealth(False, self.backend, str(exc))
        ms = (time.perf_counter() - t0) * 1000
        version = resp.headers.get("X-Influxdb-Version", "")
        ok = resp.status_code == 204
        return StoreHealth(ok, self.backend, f"InfluxDB {version} em {self.url}".strip(), round(ms, 1))

    def close(self) -> None:
        self._http.close()


# ---------------------------------------------------------------------------------------------
# SQL table (embedded)
# ---------------------------------------------------------------------------------------------


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
        from sqlalchemy.engine import Connection

        bind = self._engine
        if bind is None:
            from core.db import session

            bind = session().get_bind()
        if isinstance(bind, Connection):
            yield bind
            return
        try:
            with bind.begin() as conn:
                yield conn
        except Exception as exc:
            from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

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
        from telemetry.models.tags import ReadingRow

        rows = [{"tag": r.tag, "ts": r.ts, "value": float(r.value), "quality": r.quality}
                for r in readings]
        with self._conn() as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
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
        _check_aware(start, end)
        from sqlalchemy import select

        from telemetry.models.tags import ReadingRow

        t = ReadingRow.__table__
        stmt = (select(t.c.ts, t.c.value, t.c.quality)
                .where(t.c.tag == tag, t.c.ts >= start, t.c.ts < end).order_by(t.c.ts))
        with self._conn() as conn:
            return [Reading(tag, ts, value, q) for ts, value, q in conn.execute(stmt)]

    def last(self, tag: str) -> Reading | None:
        from sqlalchemy import select

        from telemetry.models.tags import ReadingRow

        t = ReadingRow.__table__
        stmt = (select(t.c.ts, t.c.value, t.c.quality).where(t.c.tag == tag)
                .order_by(t.c.ts.desc()).limit(1))
        with self._conn() as conn:
            row = conn.execute(stmt).first()
        return Reading(tag, row[0], row[1], row[2]) if row else None

    def latest_per_tag(self) -> dict[str, Reading]:
        from sqlalchemy import func, select

        from telemetry.models.tags import ReadingRow

        t = ReadingRow.__table__
        newest = select(t.c.tag, func.max(t.c.ts).label("ts")).group_by(t.c.tag).subquery()
        stmt = select(t.c.tag, t.c.ts, t.c.value, t.c.quality).join(
            newest, (t.c.tag == newest.c.tag) & (t.c.ts == newest.c.ts))
        with self._conn() as conn:
            return {tag: Reading(tag, ts, v, q) for tag, ts, v, q in conn.execute(stmt)}

    def count(self, tag: str | None = None, since: dt.datetime | None = None) -> int:
        from sqlalchemy import func, select

        from telemetry.models.tags import ReadingRow

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
        from sqlalchemy import delete

        from telemetry.models.tags import ReadingRow

        t = ReadingRow.__table__
        with self._conn() as conn:
            return conn.execute(delete(t).where(t.c.ts < before)).rowcount or 0

    def health(self) -> StoreHealth:
        from sqlalchemy import text

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


# ---------------------------------------------------------------------------------------------


def open_storage(settings: Settings, *, own_engine: bool = False) -> Storage:
    """The store named by settings.timeseries_url ("sql" or an http(s) InfluxDB URL).

    `own_engine=True` gives the SQL store an engine of its own (for the ingester process and
    background threads, which must not share the request-scoped session)."""
    url = settings.timeseries_url.strip()
    if url == "sql":
        if own_engine:
            from core.db import make_engine

            return SqlStorage(make_engine(settings.database_url))
        return SqlStorage()
    if url.startswith(("http://", "https://")):
        return InfluxStorage(url, settings.influx_database, settings.influx_user,
                             settings.influx_password)
    raise ValueError(f"SAAE_TIMESERIES_URL inválida: {url!r} (use 'sql' ou http://host:8086)")


_default: dict[tuple[str, str], Storage] = {}


def storage_for(settings: Settings) -> Storage:
    """A process-wide store for the web app (one HTTP session / engine per configuration)."""
    key = (settings.timeseries_url, settings.influx_database)
    store = _default.get(key)
    if store is None:
        store = _default[key] = open_storage(settings)
    return store
