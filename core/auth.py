"""Users, profiles, permissions, login policy (tender 7.1) and API tokens.

Permissions are strings "area.thing.action". Each area declares its permissions with the
profiles that hold them by default (`register_permissions`); an administrator can grant or
revoke permissions per profile and create new profiles, all in the database and audited.
Every Flask view must be marked `@require("...")`, `@login_required_only` or `@public`;
an unmarked view is refused (deny by default), and a test walks the URL map to prove it.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.config import Settings
from core.db import Base, IdMixin, TimestampMixin, session, utcnow
from core.errors import DomainError, ValidationError

log = logging.getLogger(__name__)


class Profile(enum.StrEnum):
    COLETOR = "coletor"
    DISTRIBUIDOR = "distribuidor"
    ANALISTA = "analista"
    SUPERVISOR = "supervisor"
    GESTOR = "gestor"
    OPERADOR = "operador"
    TECNICO = "tecnico"
    ADMINISTRADOR = "administrador"


PROFILE_LABELS = {
    Profile.COLETOR: "Coletor",
    Profile.DISTRIBUIDOR: "Distribuidor",
    Profile.ANALISTA: "Analista",
    Profile.SUPERVISOR: "Supervisor",
    Profile.GESTOR: "Gestor",
    Profile.OPERADOR: "Operador (SCADA/incidentes)",
    Profile.TECNICO: "Técnico de campo",
    Profile.ADMINISTRADOR: "Administrador",
}

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
        "core.users.manage": ("Cadastrar usuários e perfis", [Profile.ADMINISTRADOR]),
        "core.audit.view": (
            "Consultar histórico de alterações",
            [Profile.ADMINISTRADOR, Profile.GESTOR, Profile.SUPERVISOR],
        ),
        "core.tokens.manage": ("Criar tokens de API", [Profile.ADMINISTRADOR]),
        "core.outbox.view": ("Ver fila de eventos", [Profile.ADMINISTRADOR]),
        "core.jobs.view": ("Acompanhar os trabalhos em segundo plano",
                           [Profile.ADMINISTRADOR, Profile.GESTOR, Profile.SUPERVISOR]),
        "core.jobs.manage": ("Retomar e cancelar qualquer trabalho em segundo plano",
                             [Profile.ADMINISTRADOR, Profile.GESTOR]),
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


# -- passwords --------------------------------------------------------------------------

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


# -- login --------------------------------------------------------------------------------

class LoginFailed(DomainError):
    status = 401
    code = "login_invalido"


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A real argon2 hash to check unknown users against: they take as long as real ones."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


THROTTLED = "Acesso bloqueado temporariamente por excesso de tentativas. Tente novamente em {wait}."


def _wait_text(seconds: float) -> str:
    s = int(seconds) + 1
    return f"{s} segundo(s)" if s < 120 else f"{(s + 59) // 60} minuto(s)"


def _trusted(ip: str | None, settings: Settings) -> bool:
    import ipaddress

    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in settings.trusted_networks())


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


def clear_login_throttle(username: str, settings: Settings) -> None:
    from core import throttle

    throttle.store(settings).clear("login:acct:" + (username or "").strip().lower())


def authenticate(
    username: str, password: str, settings: Settings, ip: str | None = None,
    recovery_code: str | None = None,
) -> User:
    """Check credentials (tender 7.1 c, d) with growing waits per account and per address,
    counted in a store every server process shares (core.throttle). Unknown and real
    accounts get the same answers in the same time. The per-account wait does not apply
    from a trusted network, nor with a valid recovery code. Caller commits (the attempt is
    kept even when the login fails)."""
    from core import throttle

    s = session()
    username = (username or "").strip().lower()
    now = utcnow()
    st = throttle.store(settings)
    cap = settings.login_lockout_minutes * 60.0
    acct_key, ip_key = "login:acct:" + username[:80], "login:ip:" + (ip or "-")
    user = s.scalars(select(User).where(User.username == username)).first()
    generic = "Usuário ou senha inválidos."

    def fail(detail: str, message: str = generic) -> LoginFailed:
        s.add(LoginAttempt(username=username[:80], success=False, ip=ip, detail=detail))
        return LoginFailed(message)

    def throttled(wait: float, detail: str) -> LoginFailed:
        exc = fail(detail, THROTTLED.format(wait=_wait_text(wait)))
        exc.status = 429
        return exc

    ip_wait = throttle.wait_left(st, ip_key, settings.login_ip_max_attempts,
                                 settings.login_delay_seconds, cap)
    if ip_wait > 0:
        raise throttled(ip_wait, "endereco em espera")
    bypass = _trusted(ip, settings)
    acct_wait = 0.0 if bypass else throttle.wait_left(
        st, acct_key, settings.login_max_attempts, settings.login_delay_seconds, cap)
    if acct_wait > 0 and not (recovery_code and user is not None):
        if recovery_code:  # as slow as checking a real account's code: no telling them apart
            verify_password(_dummy_hash(), password)
        raise throttled(acct_wait, "conta em espera")

    if user is None:
        verify_password(_dummy_hash(), password)  # the same time as a real account
        ok = False
    elif user.auth_source == "ldap":
        ok = _ldap_bind(username, password, settings)
    else:
        ok = verify_password(user.password_hash, password)
    if ok and acct_wait > 0 and not use_recovery_code(user, recovery_code or ""):
        ok = False
    if not ok:
        n, _ = st.hit(acct_key, cap)
        st.hit(ip_key, cap)
        wait = throttle.delay(n, settings.login_max_attempts, settings.login_delay_seconds, cap)
        if user is not None:
            user.failed_logins = n
            if wait:
                user.locked_until = now + dt.timedelta(seconds=wait)  # shown to administrators
        if wait:
            raise throttled(wait, "senha errada; em espera" if user else "usuário inexistente; em espera")
        raise fail("senha errada" if user else "usuário inexistente")
    if not user.active:
        raise fail("usuário inativo", "Usuário desativado. Procure o administrador.")
    st.clear(acct_key)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.last_seen_at = now
    s.add(LoginAttempt(username=username, success=True, ip=ip,
                       detail="codigo de recuperacao" if acct_wait > 0 else None))
    return user


def _ldap_bind(username: str, password: str, settings: Settings) -> bool:
    """Bind to the directory as the user (tender 7.1 g). Off unless SAAE_LDAP_URL is set."""
    if not settings.ldap_url or not password:
        return False
    import ldap3
    from ldap3.core.exceptions import LDAPException

    user_dn = (settings.ldap_user_dn_template or "{username}").format(username=username)
    try:
        server = ldap3.Server(settings.ldap_url, connect_timeout=settings.ldap_timeout_seconds)
        conn = ldap3.Connection(server, user=user_dn, password=password, auto_bind=False)
        ok = bool(conn.bind())
        conn.unbind()
        return ok
    except LDAPException:
        log.warning("LDAP bind failed for %s", username, exc_info=True)
        return False


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


# -- API tokens --------------------------------------------------------------------------

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


# -- route marks --------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])
LOGIN = "__login__"  # any authenticated user


def require(permission: str) -> Callable[[F], F]:
    """Mark a view (or a MethodView method) as needing `permission`."""

    def mark(fn: F) -> F:
        fn._permission = permission  # type: ignore[attr-defined]
        return fn

    return mark


def login_required_only(fn: F) -> F:
    """Any signed-in user may see this view."""
    fn._permission = LOGIN  # type: ignore[attr-defined]
    return fn


def public(fn: F) -> F:
    """No login needed (public site, tracking links, login page)."""
    fn._public = True  # type: ignore[attr-defined]
    return fn


def view_mark(view: Callable[..., Any], method: str) -> tuple[bool, str | None]:
    """(is_public, permission) for a view function, looking inside MethodViews."""
    cls = getattr(view, "view_class", None)
    if cls is not None:
        meth = getattr(cls, method.lower(), None)
        if meth is None and method == "HEAD":
            meth = getattr(cls, "get", None)
        targets = [meth, cls]
    else:
        targets = [view]
    for t in targets:
        if t is None:
            continue
        if getattr(t, "_public", False):
            return True, None
        perm = getattr(t, "_permission", None)
        if perm:
            return False, perm
    return False, None
