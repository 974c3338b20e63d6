"""Background jobs without areas knowing the runner.

Areas call `enqueue("lims.tasks.close_month", month_id=3)`: a dotted path to a plain
function taking JSON-able keyword arguments (ids, not ORM objects). The composition root
installs the backend: Celery in production, an in-process thread pool for the embedded demo,
and inline execution in tests.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import _DEPTH
from core.db import session as db_session

log = logging.getLogger(__name__)

Backend = Callable[[str, dict[str, Any]], Any]


def _inline(path: str, kwargs: dict[str, Any]) -> Any:
    return call(path, kwargs)


_backend: Backend = _inline


def set_backend(backend: Backend) -> None:
    global _backend
    _backend = backend


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def call(path: str, kwargs: dict[str, Any]) -> Any:
    return resolve(path)(**kwargs)


_PENDING = "saae_tasks_after_commit"


def enqueue(path: str, **kwargs: Any) -> Any:
    """Run `path(**kwargs)` in the background.

    Called inside a unit of work (`@transactional`, `unit_of_work()`, an outbox handler), the
    job is handed to the queue only after that transaction commits, so a worker never looks
    for rows it cannot see yet, and a rolled-back transaction starts nothing. Outside one, or
    with the inline backend of the tests, it is handed over now."""
    resolve(path)  # fail now, in the caller, on a typo
    if _backend is not _inline and db_session.registry.has():
        s = db_session()
        if s.info.get(_DEPTH, 0) > 0:
            s.info.setdefault(_PENDING, []).append((path, kwargs))
            return None
    return _backend(path, kwargs)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(s: Session) -> None:
    for path, kwargs in s.info.pop(_PENDING, []):
        try:
            _backend(path, kwargs)
        except Exception:  # the commit happened; losing the hand-over must be loud
            log.exception("could not queue %s%r after commit", path, kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(s: Session) -> None:
    s.info.pop(_PENDING, None)
