"""Finding connections in the database (names, streets and neighbourhoods compared
lower-case without accents, from stored folded columns that PostgreSQL indexes with pg_trgm) and
the home page's count of active connections."""

from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select

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
    streets and neighbourhoods without case or accents). One join filtered in the order of
    the matricula: a common word stops at the first page, a rare one scans the folded columns
    (a union of the trigram lookups measured slower on common words: bench figures in
    notes/perf-web.md)."""
    stmt = _searched(select(Connection).join(Consumer), q, neighbourhood, situation)
    return list(session().scalars(stmt.limit(limit).offset(offset)))


class ConnectionRow(NamedTuple):
    """One line of the connections page: the columns it shows, read as plain rows (not the
    connection and its consumer as objects, with the consumer's phones and channels decoded)."""

    id: int
    matricula: str
    consumer_name: str
    street: str
    house_number: str
    complement: str | None
    neighbourhood: str
    sector_code: str | None
    situation: str
    residencial: int
    comercial: int
    industrial: int
    publica: int
    social: int

    # the connection's own wording of them
    economias = Connection.economias
    total_economias = Connection.total_economias
    address = Connection.address


# built once: the search page reads these columns on every view
_ROWS = select(Connection.id, Connection.matricula, Consumer.name, Connection.street,
               Connection.house_number, Connection.complement, Connection.neighbourhood,
               Connection.sector_code, Connection.situation, Connection.residencial,
               Connection.comercial, Connection.industrial, Connection.publica,
               Connection.social).join_from(Connection, Consumer)


def connection_rows(q: str = "", *, neighbourhood: str | None = None,
                    situation: str | None = None, limit: int = 50,
                    offset: int = 0) -> list[ConnectionRow]:
    """`search_connections`' answer as the lines of the connections page."""
    stmt = _searched(_ROWS, q, neighbourhood, situation)
    return [ConnectionRow(*r) for r in session().execute(stmt.limit(limit).offset(offset))]


def _searched(stmt: Any, q: str, neighbourhood: str | None, situation: str | None) -> Any:
    q = (q or "").strip()
    if q:
        stmt = stmt.where(_matching(q))
    if neighbourhood:
        stmt = stmt.where(Connection.neighbourhood == neighbourhood)
    if situation:
        stmt = stmt.where(Connection.situation == situation)
    return stmt.order_by(Connection.number)


def _matching(q: str) -> Any:
    d = digits(q)
    key = search_key(q)
    conds = [contains(Connection.search_key, key), contains(Consumer.search_name, key),
             Connection.meter_number == q]
    if d and len(d) == len(q.replace("-", "").replace(".", "").replace("/", "")):
        base, full = parse_matricula(q)
        if full:
            conds.append(Connection.matricula == full)
        if base is not None and base < 2**31:
            conds.append(Connection.number == base)
        conds.append(Consumer.document == d)
    return or_(*conds)
