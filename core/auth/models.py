"""Profiles, the permission registry, and the account tables."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, event, update
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column, relationship

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
    # the municipal health surveillance (issue 19 part 4): reads plans, results, closings,
    # SISAGUA exports and reports, changes nothing; what it opens is audited
    HEALTH_SURVEILLANCE = "vigilancia", "Vigilância em saúde (somente consulta)"


# built-in profiles that only consult, whatever their record says (ProfileRecord.read_only is
# the administrator's switch for the profiles they create)
READ_ONLY_PROFILES = frozenset({Profile.HEALTH_SURVEILLANCE.value})

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

    @property
    def consults_only(self) -> bool:
        """Only `.view` permissions, and every page opened is audited (core.web)."""
        return self.read_only or self.code in READ_ONLY_PROFILES

    def permissions(self) -> set[str]:
        base = {p.code for p in _PERMISSIONS.values() if self.code in p.default_profiles}
        perms = (base | set(self.granted or [])) - set(self.revoked or [])
        if self.consults_only:
            perms = {p for p in perms if p.endswith(".view")}
        return perms


class User(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "core_user"
    # login bookkeeping lives in core_login_attempt; the lock itself stays audited
    __audit_exclude__ = frozenset({"password_hash", "last_seen_at", "last_login_at",
                                   "failed_logins", "access_version"})

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
    # raised whenever what the user may do changes (profiles given or taken, a profile's
    # permissions edited): the per-process permission cache below is keyed by it
    access_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # field-technician position, for "nearest technician" proposals
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]

    # loaded only on a miss of the permission cache (or when a page lists them)
    profiles: Mapped[list[ProfileRecord]] = relationship(secondary=user_profile, lazy="select")

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
    def profile_codes(self) -> frozenset[str]:
        return self._access()[0]

    @property
    def profile_names(self) -> tuple[str, ...]:
        """The names of the user's profiles, for the page header."""
        return self._access()[2]

    def permissions(self) -> frozenset[str]:
        return self._access()[1]

    @property
    def consults_only(self) -> bool:
        """A consultation-only profile (the vigilância): every page it opens is audited."""
        return self._access()[3]

    def _access(self) -> tuple[frozenset[str], frozenset[str], tuple[str, ...], bool]:
        """(profile codes, permissions, profile names, consults only), computed once per process for each access_version of
        the user (every request reads the user's row, so a change made by any process counts
        from the next request on)."""
        key = (self.id, self.access_version or 0, len(_PERMISSIONS))
        cacheable = self.id is not None and not self._access_edited()
        hit = _ACCESS_CACHE.get(key) if cacheable else None
        if hit is None:
            perms: set[str] = set()
            for p in self.profiles:
                perms |= p.permissions()
            hit = (frozenset(p.code for p in self.profiles), frozenset(perms),
                   tuple(p.name for p in self.profiles),
                   any(p.consults_only for p in self.profiles))
            if cacheable:
                with _ACCESS_LOCK:
                    if len(_ACCESS_CACHE) > 5000:
                        _ACCESS_CACHE.clear()
                    _ACCESS_CACHE[key] = hit
        return hit

    def _access_edited(self) -> bool:
        """This user or a profile changed in the session and not yet committed: what they say
        now is computed, neither read from nor kept in the cache."""
        state = attributes.instance_state(self)
        sess = state.session
        return state.modified or (sess is not None and any(
            isinstance(o, ProfileRecord) for o in sess.dirty))

    def can(self, permission: str) -> bool:
        return permission in self.permissions()

    def has_profile(self, *profiles: str) -> bool:
        return bool(self.profile_codes & {str(p) for p in profiles})


_ACCESS_CACHE: dict[tuple[int, int, int],
                    tuple[frozenset[str], frozenset[str], tuple[str, ...], bool]] = {}
_ACCESS_LOCK = threading.Lock()


def forget_access_cache() -> None:
    """Drop this process's cached permissions (another database, e.g. each test's, reuses ids)."""
    with _ACCESS_LOCK:
        _ACCESS_CACHE.clear()


@event.listens_for(Session, "before_flush")
def _raise_access_version(session: Session, _context: object, _instances: object) -> None:
    """A user's profiles or a profile's permissions changed: raise access_version of everyone
    concerned, in the same transaction, so no process serves the old permissions again."""
    for obj in list(session.dirty) + list(session.new):
        if isinstance(obj, User) and obj.id is not None and \
                attributes.get_history(obj, "profiles").has_changes():
            obj.access_version = (obj.access_version or 0) + 1
        elif isinstance(obj, ProfileRecord) and obj.id is not None and session.is_modified(obj):
            users = User.__table__
            session.connection().execute(update(users).where(users.c.id.in_(
                user_profile.select().with_only_columns(user_profile.c.user_id)
                .where(user_profile.c.profile_id == obj.id))).values(
                access_version=users.c.access_version + 1))


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
