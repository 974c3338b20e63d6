"""Profiles, the permission registry, and the account tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow
from core.enums import LabelledStrEnum


class Profile(LabelledStrEnum):
    COLLECTOR = "coletor", "Coletor"
    DISTRIBUTOR = "distribuidor", "Distribuidor"
    ANALYST = "analista", "Analista"
    SUPERVISOR = "supervisor", "Supervisor"
    MANAGER = "gestor", "Gestor"
    OPERATOR = "operador", "Operador (SCADA/incidentes)"
    TECHNICIAN = "tecnico", "Técnico de campo"
    ADMINISTRATOR = "administrador", "Administrador"


PROFILE_LABELS = Profile.labels()

# -- permission registry ---------------------------------------------------------------

@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    default_profiles: frozenset[str]


_PERMISSIONS: dict[str, Permission] = {}


def register_permissions(entries: dict[str, tuple[str, Iterable[str]]]) -> None:
    """Declare permissions: {code: (pt-BR label, default profiles)}. Idempotent."""
    for code, (label, profiles) in entries.items():
        _PERMISSIONS[code] = Permission(code, label, frozenset(str(p) for p in profiles))


def all_permissions() -> dict[str, Permission]:
    return dict(_PERMISSIONS)


ALL = tuple(Profile)
register_permissions(
    {
        "core.users.manage": ("Cadastrar usuários e perfis", [Profile.ADMINISTRATOR]),
        "core.audit.view": (
            "Consultar histórico de alterações",
            [Profile.ADMINISTRATOR, Profile.MANAGER, Profile.SUPERVISOR],
        ),
        "core.tokens.manage": ("Criar tokens de API", [Profile.ADMINISTRATOR]),
        "core.outbox.view": ("Ver fila de eventos", [Profile.ADMINISTRATOR]),
        "core.jobs.view": ("Acompanhar os trabalhos em segundo plano",
                           [Profile.ADMINISTRATOR, Profile.MANAGER, Profile.SUPERVISOR]),
        "core.jobs.manage": ("Retomar e cancelar qualquer trabalho em segundo plano",
                             [Profile.ADMINISTRATOR, Profile.MANAGER]),
    }
)

# -- models -----------------------------------------------------------------------------

user_profile = Table(
    "core_user_profile",
    Base.metadata,
    Column("user_id", ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
    Column("profile_id", ForeignKey("core_profile.id", ondelete="CASCADE"), primary_key=True),
)


class ProfileRecord(Audited, IdMixin, Base):
    """A profile: a built-in one (code = Profile value) or one created by an administrator."""

    __tablename__ = "core_profile"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    builtin: Mapped[bool] = mapped_column(default=False)
    read_only: Mapped[bool] = mapped_column(default=False)  # tender 7.1 k: consultation only
    granted: Mapped[list[Any]] = mapped_column(default=list)
    revoked: Mapped[list[Any]] = mapped_column(default=list)

    def permissions(self) -> set[str]:
        base = {p.code for p in _PERMISSIONS.values() if self.code in p.default_profiles}
        perms = (base | set(self.granted or [])) - set(self.revoked or [])
        if self.read_only:
            perms = {p for p in perms if p.endswith(".view")}
        return perms


class User(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "core_user"
    # login bookkeeping lives in core_login_attempt; the lock itself stays audited
    __audit_exclude__ = frozenset({"password_hash", "last_seen_at", "last_login_at",
                                   "failed_logins"})

    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    auth_source: Mapped[str] = mapped_column(String(10), default="local")  # local | ldap
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]
    # every web session carries the version it was opened under; raising it ends them all
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # field-technician position, for "nearest technician" proposals
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]

    profiles: Mapped[list[ProfileRecord]] = relationship(secondary=user_profile, lazy="selectin")

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def profile_codes(self) -> set[str]:
        return {p.code for p in self.profiles}

    def permissions(self) -> set[str]:
        perms: set[str] = set()
        for p in self.profiles:
            perms |= p.permissions()
        return perms

    def can(self, permission: str) -> bool:
        return permission in self.permissions()

    def has_profile(self, *profiles: str) -> bool:
        return bool(self.profile_codes & {str(p) for p in profiles})


class LoginAttempt(IdMixin, Base):
    """Every login attempt, good or bad (tender 7.1 c, e)."""

    __tablename__ = "core_login_attempt"

    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    success: Mapped[bool]
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(200))


class RecoveryCode(IdMixin, Base):
    """A one-time code that lets its user in past the per-account login wait (a locked-out
    administrator); only its hash is kept. Issued by `saae users recovery-codes`."""

    __tablename__ = "core_recovery_code"

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]


class ApiToken(Audited, IdMixin, Base):
    """A bearer token for a machine client; only its SHA-256 is stored."""

    __tablename__ = "core_api_token"
    __audit_exclude__ = frozenset({"token_hash", "last_used_at"})

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
