"""Logging in (tender 7.1 c, d, g): growing waits per account and per address, LDAP."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import secrets
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import LDAPException
from sqlalchemy import select

from core import throttle
from core.auth.models import LoginAttempt, User
from core.auth.passwords import hash_password, use_recovery_code, verify_password
from core.config import Settings
from core.db import session, utcnow
from core.errors import DomainError

log = logging.getLogger(__name__)


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
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in settings.trusted_networks())


def clear_login_throttle(username: str, settings: Settings) -> None:
    throttle.store(settings).clear("login:acct:" + (username or "").strip().lower())


GENERIC = "Usuário ou senha inválidos."


@dataclass
class _Attempt:
    """One login attempt: who, from where, and the throttle counters it is checked against."""

    username: str
    ip: str | None
    settings: Settings
    user: User | None
    store: throttle.Store
    cap: float

    @property
    def account_key(self) -> str:
        return "login:acct:" + self.username[:80]

    @property
    def ip_key(self) -> str:
        return "login:ip:" + (self.ip or "-")

    def fail(self, detail: str, message: str = GENERIC) -> LoginFailed:
        session().add(LoginAttempt(username=self.username[:80], success=False, ip=self.ip,
                                   detail=detail))
        return LoginFailed(message)

    def throttled(self, wait: float, detail: str) -> LoginFailed:
        exc = self.fail(detail, THROTTLED.format(wait=_wait_text(wait)))
        exc.status = 429
        return exc


def authenticate(
    username: str, password: str, settings: Settings, ip: str | None = None,
    recovery_code: str | None = None,
) -> User:
    """Check credentials (tender 7.1 c, d) with growing waits per account and per address,
    counted in a store every server process shares (core.throttle). Unknown and real
    accounts get the same answers in the same time. The per-account wait does not apply
    from a trusted network, nor with a valid recovery code. Caller commits (the attempt is
    kept even when the login fails)."""
    username = (username or "").strip().lower()
    user = session().scalars(select(User).where(User.username == username)).first()
    attempt = _Attempt(username, ip, settings, user, throttle.store(settings),
                       settings.login_lockout_minutes * 60.0)
    account_wait = _waits(attempt, password, recovery_code)
    ok = _credentials_ok(attempt, password)
    if ok and account_wait > 0 and not use_recovery_code(user, recovery_code or ""):
        ok = False
    if not ok:
        raise _failed(attempt)
    assert user is not None
    if not user.active:
        raise attempt.fail("usuário inativo", "Usuário desativado. Procure o administrador.")
    attempt.store.clear(attempt.account_key)
    now = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.last_seen_at = now
    session().add(LoginAttempt(username=username, success=True, ip=ip,
                               detail="código de recuperação" if account_wait > 0 else None))
    return user


def _waits(attempt: _Attempt, password: str, recovery_code: str | None) -> float:
    """Refuse an address or account that must still wait; the account's wait left (0 from a
    trusted network), which a recovery code may pass."""
    settings = attempt.settings
    ip_wait = throttle.wait_left(attempt.store, attempt.ip_key, settings.login_ip_max_attempts,
                                 settings.login_delay_seconds, attempt.cap)
    if ip_wait > 0:
        raise attempt.throttled(ip_wait, "endereço em espera")
    if _trusted(attempt.ip, settings):
        return 0.0
    account_wait = throttle.wait_left(attempt.store, attempt.account_key,
                                      settings.login_max_attempts, settings.login_delay_seconds,
                                      attempt.cap)
    if account_wait > 0 and not (recovery_code and attempt.user is not None):
        if recovery_code:  # as slow as checking a real account's code: no telling them apart
            verify_password(_dummy_hash(), password)
        raise attempt.throttled(account_wait, "conta em espera")
    return account_wait


def _credentials_ok(attempt: _Attempt, password: str) -> bool:
    user = attempt.user
    if user is None:
        verify_password(_dummy_hash(), password)  # the same time as a real account
        return False
    if user.auth_source == "ldap":
        return _ldap_bind(attempt.username, password, attempt.settings)
    return verify_password(user.password_hash, password)


def _failed(attempt: _Attempt) -> LoginFailed:
    """Count a wrong password against the account and the address; the error to raise."""
    settings, user = attempt.settings, attempt.user
    n, _ = attempt.store.hit(attempt.account_key, attempt.cap)
    attempt.store.hit(attempt.ip_key, attempt.cap)
    wait = throttle.delay(n, settings.login_max_attempts, settings.login_delay_seconds,
                          attempt.cap)
    if user is not None:
        user.failed_logins = n
        if wait:  # shown to administrators
            user.locked_until = utcnow() + dt.timedelta(seconds=wait)
    if wait:
        return attempt.throttled(
            wait, "senha errada; em espera" if user else "usuário inexistente; em espera")
    return attempt.fail("senha errada" if user else "usuário inexistente")


def _ldap_bind(username: str, password: str, settings: Settings) -> bool:
    """Bind to the directory as the user (tender 7.1 g). Off unless SAAE_LDAP_URL is set."""
    if not settings.ldap_url or not password:
        return False
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
