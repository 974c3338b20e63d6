"""Incidents' public interface (contract first; bodies filled by incidents).

Read by the public site: current service notices, the public ticket tracking page and the
satisfaction survey. Nothing here reveals more than the one ticket a token points to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PublicNotice:
    id: int
    protocol: str
    kind: str  # interrupcao | qualidade | manutencao
    title: str
    reason: str
    area_description: str
    neighbourhoods: tuple[str, ...]
    started_at: dt.datetime
    estimated_end_at: dt.datetime | None
    ended_at: dt.datetime | None
    safety_measures: str
    status: str  # ativo | encerrado


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class TicketStatus:
    protocol: str
    title: str
    status_label: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    timeline: tuple[TimelineEntry, ...]
    survey_available: bool
    survey_answered: bool


def public_notices(*, active: bool | None = True, limit: int = 50,
                   offset: int = 0) -> list[PublicNotice]:
    """Service notices (interruptions, quality incidents) for the public site."""
    raise NotImplementedError


def ticket_by_token(token: str) -> TicketStatus | None:
    """The ticket a public tracking token points to, or None."""
    raise NotImplementedError


def submit_survey(token: str, score: int, comment: str = "") -> None:
    """Record the satisfaction survey (score 1-5) once per ticket; DomainError otherwise."""
    raise NotImplementedError
