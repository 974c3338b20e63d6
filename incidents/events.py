"""Events incidents publishes (its own handlers do the fan-out and sending after commit)."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class IncidentOpened(Event):
    """An incident was opened; `notify` asks for the opening notice to the affected."""

    incident_id: int
    protocol: str
    kind: str
    origin: str
    severity: str
    notify: bool = False


@dataclass(frozen=True)
class IncidentStateChanged(Event):
    incident_id: int
    protocol: str
    old_state: str
    new_state: str


@dataclass(frozen=True)
class NoticeQueued(Event):
    """A notice's messages were written; sending starts after this commit."""

    notice_id: int
    incident_id: int
    messages: int
