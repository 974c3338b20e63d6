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


def enqueue(path: str, **kwargs: Any) -> Any:
    """Run `path(**kwargs)` in the background (after the caller's commit, when queued)."""
    resolve(path)  # fail now, in the caller, on a typo
    return _backend(path, kwargs)
