"""Events incidents publishes (its own handlers do the fan-out and sending after commit)."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class IncidentEvent(Event):
    """What every event about one incident carries: which incident, by its protocol."""

    incident_id: int
    protocol: str


@dataclass(frozen=True)
class IncidentOpened(IncidentEvent):
    """An incident was opened; `notify` asks for the opening notice to the affected."""

    kind: str
    origin: str
    severity: str
    notify: bool = False


@dataclass(frozen=True)
class IncidentStateChanged(IncidentEvent):
    """An incident moved from `old_state` to `new_state`; incidents' follow-up sends the
    restoration notice and the message of the new ticket step, if any."""

    old_state: str
    new_state: str


@dataclass(frozen=True)
class NoticeQueued(Event):
    """A notice's messages were written; sending starts after this commit."""

    notice_id: int
    incident_id: int
    messages: int
