"""Finding connections in the database (names, streets and neighbourhoods compared
lower-case without accents, from stored folded columns that PostgreSQL indexes with pg_trgm) and
the home page's count of active connections."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select, union_all

from commercial.domain.documents import parse_matricula
from commercial.domain.text import digits, search_key
from commercial.models import Connection, Consumer, Situation
from core.db import session

# -- the home page's count ------------------------------------------------------------------------

ACTIVE_COUNT_SECONDS = 30.0  # how long a web process reuses its count of active connections
_active: dict[str, float] = {}
_active_lock = threading.Lock()


def active_connections() -> int:
    """Active connections, for the home page card: counted at most every
    ACTIVE_COUNT_SECONDS per process (not over 25,000 rows on every view), and again at once
    in the process that registers or changes a connection."""
    now = time.monotonic()
    with _active_lock:
        if _active and now - _active["at"] < ACTIVE_COUNT_SECONDS:
            return int(_active["n"])
    n = session().scalar(select(func.count(Connection.id)).where(
        Connection.situation == Situation.ACTIVE.value)) or 0
    with _active_lock:
        _active.update(at=now, n=n)
    return n


def forget_active_count() -> None:
    with _active_lock:
        _active.clear()


def contains(column: Any, key: str) -> Any:
    """`column` (a folded one) holds `key` anywhere: LIKE '%key%' with % and _ escaped, which
    PostgreSQL answers from the column's trigram index."""
    return column.contains(key, autoescape=True)


def search_connections(q: str = "", *, neighbourhood: str | None = None,
                       situation: str | None = None, limit: int = 50,
                       offset: int = 0) -> list[Connection]:
    """Find by matricula, meter number, name, document, street or neighbourhood (names,
    streets and neighbourhoods without case or accents)."""
    s = session()
    stmt = select(Connection).join(Consumer)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(Connection.id.in_(_matching_ids(q)))
    if neighbourhood:
        stmt = stmt.where(Connection.neighbourhood == neighbourhood)
    if situation:
        stmt = stmt.where(Connection.situation == situation)
    return list(s.scalars(stmt.order_by(Connection.number).limit(limit).offset(offset)))


def _matching_ids(q: str) -> Any:
    """The ids of the connections `q` finds, one indexed select per way of finding them."""
    d = digits(q)
    key = search_key(q)
    ids = [select(Connection.id).where(contains(Connection.search_key, key)),
           select(Connection.id).where(Connection.consumer_id.in_(
               select(Consumer.id).where(contains(Consumer.search_name, key)))),
           select(Connection.id).where(Connection.meter_number == q)]
    if d and len(d) == len(q.replace("-", "").replace(".", "").replace("/", "")):
        base, full = parse_matricula(q)
        if full:
            ids.append(select(Connection.id).where(Connection.matricula == full))
        if base is not None and base < 2**31:
            ids.append(select(Connection.id).where(Connection.number == base))
        ids.append(select(Connection.id).where(Connection.consumer_id.in_(
            select(Consumer.id).where(Consumer.document == d))))
    return union_all(*ids)
