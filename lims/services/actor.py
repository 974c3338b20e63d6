"""LIMS services: who an audited change is made as (shared by every lims service)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.audit import Actor, audit_context, current_actor
from core.auth import User
from core.db import session


@contextmanager
def acting(user_id: int | None, reason: str | None) -> Iterator[None]:
    """Audit as `user_id` (when the web layer has not set that user already), with `reason`."""
    actor = None
    if user_id is not None and current_actor().user_id != user_id:
        u = session.get(User, user_id)
        actor = Actor(user_id, u.username if u else f"usuario {user_id}")
    with audit_context(actor=actor, reason=reason or None):
        yield
