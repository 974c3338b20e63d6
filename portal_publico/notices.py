"""Public notices (interruptions, water quality) and the citizens' ticket tracking and
satisfaction survey, read from incidents.api. Reads degrade like every portal read."""

from __future__ import annotations

from incidents import api as incidents_api
from portal_publico.services import safe


def past_notices(limit: int = 20, offset: int = 0) -> list[incidents_api.PublicNotice]:
    return safe(incidents_api.public_notices, active=False, limit=limit, offset=offset, default=[])


def notice(notice_id: int) -> incidents_api.PublicNotice | None:
    for active in (True, False):
        for n in safe(incidents_api.public_notices, active=active, limit=500, default=[]):
            if n.id == notice_id:
                return n
    return None


def ticket(token: str) -> incidents_api.TicketStatus | None | bool:
    """The ticket, None when the token is unknown, False while tracking is unavailable."""
    if not token or len(token) > 200:
        return None
    try:
        return incidents_api.ticket_by_token(token)
    except NotImplementedError:
        return False


def submit_survey(token: str, score: int, comment: str) -> None:
    """incidents' own use case; DomainError (pt-BR message) when refused."""
    incidents_api.submit_survey(token, score, comment.strip()[:1000])
