"""Automatic change history for every audited model.

A model opts in by inheriting `Audited`. After each flush, every insert, update and delete of
such a model adds one `core_audit_log` row with who, when, the old and new values and the
reason in force (see `audit_context`). Audit rows are append-only: the ORM refuses to update
or delete them, and database triggers (see the first migration) refuse it too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Index, String, cast, event, insert, inspect, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, chunks, ids_in, utcnow
from core.db import session as db_session


class Audited:
    """Mixin: changes to rows of this model are recorded in the audit history."""

    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()


class AuditLog(Base):
    __tablename__ = "core_audit_log"
    __table_args__ = (
        Index("ix_core_audit_log_record", "model", "row_id"),
        Index("ix_core_audit_log_user", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None]
    username: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))  # insert | update | delete
    model: Mapped[str] = mapped_column(String(80))  # table name
    row_id: Mapped[str] = mapped_column(String(80))
    changes: Mapped[dict[str, Any]]  # {field: [old, new]}
    reason: Mapped[str | None] = mapped_column(String(2000))


class AuditRowImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str


SYSTEM = Actor(None, "sistema")
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)
_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_reason", default=None)


def set_actor(actor: Actor) -> contextvars.Token[Actor]:
    return _actor.set(actor)


def reset_actor(token: contextvars.Token[Actor]) -> None:
    _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get()


@contextmanager
def audit_context(actor: Actor | None = None, reason: str | None = None) -> Iterator[None]:
    """Attribute the changes made inside the block to `actor`, with `reason`.

    Pending changes are flushed when the block ends, so that
    `with unit_of_work(), audit_context(...)` (whose commit comes after this block has
    closed) still records them with this actor and reason."""
    t1 = _actor.set(actor) if actor is not None else None
    t2 = _reason.set(reason) if reason is not None else None
    try:
        yield
        if db_session.registry.has():
            s = db_session()
            if s.new or s.dirty or s.deleted:
                s.flush()
    finally:
        if t2 is not None:
            _reason.reset(t2)
        if t1 is not None:
            _actor.reset(t1)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _columns(obj: Any) -> list[str]:
    mapper = inspect(obj).mapper
    excluded = getattr(type(obj), "__audit_exclude__", frozenset())
    return [c.key for c in mapper.column_attrs if c.key not in excluded]


def _row_id(obj: Any) -> str:
    # after_flush runs before new objects get their identity key; their primary key
    # attributes are already filled in
    state = inspect(obj)
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    return ",".join(str(i) for i in ident) if ident and None not in ident else "?"


@event.listens_for(Session, "before_flush")
def _forbid_audit_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog):
            raise AuditRowImmutable("O histórico de auditoria não pode ser alterado nem apagado")


@event.listens_for(Session, "after_flush")
def _record(session: Session, _ctx: Any) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            changes = {k: [None, _plain(getattr(obj, k))] for k in _columns(obj)}
            rows.append(("insert", obj, changes))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            state = inspect(obj)
            changes = {}
            for key in _columns(obj):
                hist = state.attrs[key].history
                if hist.has_changes():
                    old = hist.deleted[0] if hist.deleted else None
                    new = hist.added[0] if hist.added else None
                    if old != new:
                        changes[key] = [_plain(old), _plain(new)]
            if changes:
                rows.append(("update", obj, changes))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            changes = {k: [_plain(getattr(obj, k)), None] for k in _columns(obj)}
            rows.append(("delete", obj, changes))
    _write(session, [(action, obj.__tablename__, _row_id(obj), changes)
                     for action, obj, changes in rows])


def _write(session: Session, rows: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """One executemany INSERT of audit rows (action, model, row id, changes), all with the
    actor and reason in force and one time."""
    if not rows:
        return
    actor = _actor.get()
    reason = _reason.get()
    now = utcnow()
    session.connection().execute(
        insert(AuditLog.__table__),
        [
            {
                "at": now,
                "user_id": actor.user_id,
                "username": actor.username,
                "action": action,
                "model": model,
                "row_id": row_id,
                "changes": changes,
                "reason": reason,
            }
            for action, model, row_id, changes in rows
        ],
    )


ACCESS = "acesso"  # the action of an audit row recording a page a consulting profile opened


def record_access(url: str) -> None:
    """What a consultation-only user (the vigilância) opened: one audit row (action "acesso",
    model "core_acesso", the path as row id, the full URL as its change), committed."""
    token = _reason.set("página aberta por um perfil de consulta")
    try:
        _write(db_session(), [(ACCESS, "core_acesso", url.split("?", 1)[0][:80],
                               {"url": [url[:500], None]})])
    finally:
        _reason.reset(token)
    db_session.commit()


def _key(value: Any) -> tuple[Any, ...]:
    """A value as a grouping key that tells apart what plains differently although equal
    (True and 1, one instant in two time zones)."""
    offset = value.utcoffset() if isinstance(value, dt.datetime) else None
    return (type(value), value, offset)


def record_updates(model: type[Any], changes: dict[int, dict[str, tuple[Any, Any]]]) -> None:
    """Audit rows for an UPDATE made by a set-based statement, which the flush hook does not
    see: one row per record ({id: {field: (old, new)}}) with the actor and reason in force and
    the same content the flush hook writes for the same change made row by row (unchanged
    fields left out, values made plain). Records with the same changes are written by one
    INSERT ... SELECT over their ids."""
    groups: dict[Any, tuple[dict[str, list[Any]], list[int]]] = {}
    for row_id, fields in changes.items():
        same = tuple((k, _key(old), _key(new)) for k, (old, new) in fields.items() if old != new)
        if not same:
            continue
        try:  # the raw values as the key: no conversion per record (thousands of them)
            group = groups.get(same)
        except TypeError:  # unhashable values (a JSON column): their plain form is the key
            same = json.dumps([[k, _plain(old), _plain(new)]
                               for k, (old, new) in fields.items() if old != new])
            group = groups.get(same)
        if group is None:
            group = groups[same] = ({k: [_plain(old), _plain(new)]
                                     for k, (old, new) in fields.items() if old != new}, [])
        group[1].append(row_id)
    actor, reason, now = _actor.get(), _reason.get(), utcnow()
    log, pk = AuditLog.__table__.c, model.__table__.c.id
    for plain, ids in groups.values():
        for part in chunks(ids):
            rows = select(literal(now, log.at.type), literal(actor.user_id, log.user_id.type),
                          literal(actor.username, log.username.type), literal("update"),
                          literal(model.__tablename__), cast(pk, log.row_id.type),
                          literal(plain, log.changes.type), literal(reason, log.reason.type)
                          ).where(ids_in(pk, part)).order_by(pk)
            db_session().execute(insert(AuditLog.__table__).from_select(
                ["at", "user_id", "username", "action", "model", "row_id", "changes", "reason"],
                rows))


def history(model: str | None, row_id: str | None, username: str | None, page: int,
            per_page: int) -> list[AuditLog]:
    """One page of the history, newest first, per record (model + row id) and/or per user."""
    wanted = ((AuditLog.model, model), (AuditLog.row_id, row_id), (AuditLog.username, username))
    stmt = (select(AuditLog).where(*(column == value for column, value in wanted if value))
            .order_by(AuditLog.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(db_session.scalars(stmt))
