"""Delivering outbox rows to subscribers, at least once, safely with several workers.

Each row is taken alone with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has a
single writer), its handlers run in the same transaction as the row's "processed" mark, and
each handler's success is remembered in `core_processed_event`, so a retry after a partial
failure never runs a handler twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import _DEPTH, utcnow
from core.db import session as db_session
from core.events import Event, OutboxMessage, ProcessedEvent, event_class

log = logging.getLogger(__name__)

# a handler takes its own event class (`def on_x(event: XHappened) -> None`), hence Any here
Handler = Callable[[Any], None]
Subscriptions = Mapping[type[Event], Sequence[Handler]]

MAX_ATTEMPTS = 10


def handler_name(handler: Handler) -> str:
    """The stable name under which a handler's success is remembered (functions or callables)."""
    qualname = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    module = getattr(handler, "__module__", None) or type(handler).__module__
    return f"{module}.{qualname}"


def drain(subscriptions: Subscriptions, *, limit: int = 500, session: Session | None = None) -> int:
    """Deliver up to `limit` pending rows to the handlers subscribed to their event class;
    return how many rows were completed. Rows keep the class name (`event_type`)."""
    s = session or db_session()
    done = 0
    failed: list[int] = []  # retried by the next drain, not in a tight loop now
    for _ in range(limit):
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.processed_at.is_(None), OutboxMessage.dead.is_(False))
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if failed:
            stmt = stmt.where(OutboxMessage.id.not_in(failed))
        row = s.scalars(stmt).first()
        if row is None:
            s.rollback()
            break
        if _deliver(s, row, subscriptions):
            done += 1
        else:
            failed.append(row.id)
        s.commit()
    return done


def _deliver(s: Session, row: OutboxMessage, subscriptions: Subscriptions) -> bool:
    try:
        cls = event_class(row.event_type)
        event = cls.from_payload(row.payload)
    except Exception as exc:  # an undecodable row would block nobody, but must be seen
        log.exception("outbox row %s cannot be decoded", row.id)
        row.dead = True
        row.last_error = f"decode: {exc}"[:2000]
        return False
    handlers = subscriptions.get(cls, ())
    done_names = set(
        s.scalars(select(ProcessedEvent.handler).where(ProcessedEvent.outbox_id == row.id))
    )
    failed = False
    row.attempts += 1
    # writing first takes SQLite's write lock before the handlers' SAVEPOINTs (a deferred
    # transaction that reads, then writes, fails at once if another thread wrote meanwhile)
    s.flush()
    # handlers' @transactional calls must join this transaction, not commit it
    depth = s.info.get(_DEPTH, 0)
    s.info[_DEPTH] = depth + 1
    try:
        for handler in handlers:
            name = handler_name(handler)
            if name in done_names:
                continue
            try:
                with s.begin_nested():
                    handler(event)
                    s.add(ProcessedEvent(outbox_id=row.id, handler=name))
            except Exception as exc:
                failed = True
                log.exception("handler %s failed on outbox row %s", name, row.id)
                row.last_error = f"{name}: {exc}"[:2000]
    finally:
        s.info[_DEPTH] = depth
    if failed:
        if row.attempts >= MAX_ATTEMPTS:
            row.dead = True
        return False
    row.processed_at = utcnow()
    return True
