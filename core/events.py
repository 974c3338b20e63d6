"""Domain events and the transactional outbox.

An event is a frozen dataclass named in the past tense. `publish(event)` only adds a row to
`core_outbox` in the caller's transaction: if the transaction rolls back, nothing was
published. `core.outbox.drain` delivers rows to their subscribers after commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, utcnow
from core.db import session as db_session

_REGISTRY: dict[str, type[Event]] = {}


@dataclasses.dataclass(frozen=True)
class Event:
    """Base class of every event; subclasses are registered by class name."""

    event_type: ClassVar[str] = "Event"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.event_type = cls.__name__
        if cls.__name__ in _REGISTRY and _REGISTRY[cls.__name__].__module__ != cls.__module__:
            raise TypeError(f"duplicate event name {cls.__name__}")
        _REGISTRY[cls.__name__] = cls

    def to_payload(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in payload:
                kwargs[f.name] = _revive(payload[f.name], hints.get(f.name))
        return cls(**kwargs)


def event_class(name: str) -> type[Event]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"unknown event type {name!r}") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _revive(value: Any, hint: Any) -> Any:
    if value is None or hint is None:
        return value
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _revive(value, inner[0]) if len(inner) == 1 else value
    if origin in (tuple,) and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_revive(v, args[0]) for v in value)
        return tuple(_revive(v, a) for v, a in zip(value, args, strict=False))
    if origin is list and args:
        return [_revive(v, args[0]) for v in value]
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value


class OutboxMessage(Base):
    """One published event waiting for (or done with) delivery."""

    __tablename__ = "core_outbox"
    __table_args__ = (Index("ix_core_outbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    dead: Mapped[bool] = mapped_column(default=False)


class ProcessedEvent(Base):
    """Which handler has already consumed which outbox row (makes redelivery harmless)."""

    __tablename__ = "core_processed_event"

    outbox_id: Mapped[int] = mapped_column(primary_key=True)
    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def publish(event: Event, session: Session | None = None) -> OutboxMessage:
    """Record `event` in the outbox inside the caller's transaction."""
    s = session or db_session()
    msg = OutboxMessage(event_type=event.event_type, payload=event.to_payload())
    s.add(msg)
    return msg
