"""Passwords: hashing, the strong-password policy, expiry, one-time recovery codes."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from core.auth.models import RecoveryCode, User
from core.config import Settings
from core.db import session, utcnow
from core.errors import ValidationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, settings: Settings, username: str = "") -> list[str]:
    """The strong-password rules (tender 7.1 h), as pt-BR messages; empty = acceptable."""
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"A senha deve ter pelo menos {settings.password_min_length} caracteres.")
    if not re.search(r"[a-z]", password):
        problems.append("A senha deve ter ao menos uma letra minuscula.")
    if not re.search(r"[A-Z]", password):
        problems.append("A senha deve ter ao menos uma letra maiuscula.")
    if not re.search(r"\d", password):
        problems.append("A senha deve ter ao menos um número.")
    if not re.search(r"[^A-Za-z0-9]", password):
        problems.append("A senha deve ter ao menos um simbolo (por exemplo ! @ # %).")
    if username and username.lower() in password.lower():
        problems.append("A senha não pode conter o nome de usuário.")
    return problems


def password_expired(user: User, settings: Settings, now: dt.datetime | None = None) -> bool:
    if user.auth_source != "local":
        return False
    if user.must_change_password:
        return True
    if settings.password_max_age_days <= 0 or user.password_changed_at is None:
        return user.password_changed_at is None
    now = now or utcnow()
    return now - user.password_changed_at > dt.timedelta(days=settings.password_max_age_days)


def use_recovery_code(user: User, code: str) -> bool:
    """True (and the code is spent) when `code` is one of the user's unused codes."""
    code = "".join((code or "").split()).replace("-", "").lower()
    if not code:
        return False
    for rc in session().scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                           RecoveryCode.used_at.is_(None))):
        if verify_password(rc.code_hash, code):
            rc.used_at = utcnow()
            return True
    return False


def issue_recovery_codes(user: User, n: int = 10) -> list[str]:
    """New one-time codes for `user` (the old unused ones stop working). Caller commits."""
    s = session()
    for rc in s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                   RecoveryCode.used_at.is_(None))):
        rc.used_at = utcnow()
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(n)]
    for c in codes:
        s.add(RecoveryCode(user_id=user.id, code_hash=hash_password(c.replace("-", ""))))
    return codes


def set_password(user: User, password: str, settings: Settings) -> None:
    problems = password_problems(password, settings, user.username)
    if problems:
        raise ValidationError(" ".join(problems), fields={"password": problems})
    if verify_password(user.password_hash, password):
        raise ValidationError(
            "A nova senha deve ser diferente da atual.",
            fields={"password": ["A nova senha deve ser diferente da atual."]},
        )
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
