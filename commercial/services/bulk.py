"""Bulk writes and look-ups for tens of thousands of rows in one transaction (a bank's return
file). On PostgreSQL rows go in through COPY and look-ups bind one array: a multi-row INSERT or
an IN list of 25,000 values costs more in the driver (psycopg splits the statement at every
placeholder) than in the database. Other databases (the SQLite demo) take plain executemany."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, String, any_, insert, literal
from sqlalchemy.sql import ColumnElement

from core.db import session


def _postgres() -> bool:
    return session().get_bind().dialect.name == "postgresql"


def _copy_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def insert_rows(table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows (all with the same keys) into `table` in the caller's transaction."""
    if not rows:
        return
    if not _postgres():
        session().execute(insert(table), list(rows))
        return
    cols = list(rows[0])
    session().flush()
    cursor = session().connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([_copy_value(r[c]) for c in cols])


def text_in(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN (values)`: one bound array on PostgreSQL (`= ANY(:array)`)."""
    if _postgres():
        return column == any_(literal(list(values), ARRAY(String)))
    return column.in_(list(values))
