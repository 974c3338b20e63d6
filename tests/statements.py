"""The SQL statements the app sends while a block runs: for the tests that pin what a page
costs (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g
from sqlalchemy import event

from core.db import forget_unit_memo, get_engine


@contextmanager
def recorded(*, savepoints: bool = True) -> Iterator[list[str]]:
    """Each statement sent inside the block, white space folded; `savepoints=False` leaves out
    the SAVEPOINT / RELEASE of the tests' own transaction."""
    seen: list[str] = []

    def hook(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        if savepoints or "SAVEPOINT" not in statement:
            seen.append(" ".join(statement.split()))

    event.listen(get_engine(), "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(get_engine(), "before_cursor_execute", hook)


def page_statements(client: Any, url: str) -> tuple[str, list[str]]:
    """A page's HTML and the statements it sent (the tests' SAVEPOINTs left out), as a new
    request would: the tests' outer app context would carry the header's brand (in `g`) and
    the unit of work's kept reads (one session for every request) from the request before."""
    g.pop("saae_brand", None)
    forget_unit_memo()
    with recorded(savepoints=False) as seen:
        html = client.get(url).get_data(as_text=True)
    return html, seen
