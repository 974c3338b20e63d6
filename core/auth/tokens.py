"""API bearer tokens for machine clients; only their SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from core.auth.models import ApiToken, User
from core.db import session, utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str, expires_at: dt.datetime | None = None) -> str:
    """Create a token and return its only clear-text copy."""
    token = "saae_" + secrets.token_urlsafe(32)
    session().add(
        ApiToken(user_id=user.id, name=name, prefix=token[:12], token_hash=_digest(token),
                 expires_at=expires_at)
    )
    return token


def user_for_token(token: str) -> User | None:
    row = session().scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    now = utcnow()
    if row is None or row.revoked_at or (row.expires_at and row.expires_at < now):
        return None
    if not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        row.last_used_at = now  # committed by core.web (at most one write per 5 minutes)
    return row.user
