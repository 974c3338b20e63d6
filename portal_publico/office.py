"""Signing a consumer in to the virtual office: CPF/CNPJ + matricula with its check digit,
then a one-time code sent to a phone or e-mail already on file (no passwords).

- The code: 6 digits, only its HMAC (keyed by the app's secret) is kept, valid CODE_MINUTES,
  MAX_ATTEMPTS wrong tries; a new code supersedes the older ones.
- Throttled (core.throttle, shared by every server process): codes per connection and per
  address, failed look-ups and wrong codes per address.
- Whatever the person typed, the first step answers the same ("if the data are right, a code
  was sent"): the page never tells whose CPF goes with which matricula.
- The session is a row of its own (`OfficeSession`), never a staff user: a random token in the
  cookie, its hash in the table, idle and absolute limits, ended on sign-out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from commercial import api as commercial_api
from core import throttle
from core.db import session, transactional, utcnow
from core.privacy import mask
from core.web import settings
from incidents import api as incidents_api
from portal_publico.models import OfficeCode, OfficeSession

log = logging.getLogger(__name__)

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
CODES_PER_CONNECTION = 3  # per CODE_WINDOW
CODES_PER_ADDRESS = 10
FAILURES_PER_ADDRESS = 10  # unknown CPF/matricula pairs and wrong codes, per CODE_WINDOW
CODE_WINDOW = 15 * 60
IDLE_MINUTES = 20
MAX_HOURS = 8


class Throttled(Exception):
    """Too many tries from this address or for this connection: wait `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"aguarde {seconds} s")
        self.seconds = seconds


@dataclass(frozen=True)
class CodeSent:
    code_id: int | None  # None: nothing matched (the page says the same anyway)
    recipient_masked: str


@dataclass(frozen=True)
class Verified:
    ok: bool
    token: str | None = None
    reason: str = ""  # errado | expirado | esgotado | usado


def _hash(code_id: int, code: str) -> str:
    key = (settings().secret_key or "saae").encode()
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hit(key: str, limit: int) -> None:
    n, _ = throttle.store(settings()).hit(key, CODE_WINDOW)
    if n > limit:
        raise Throttled(CODE_WINDOW)


def _peek(key: str, limit: int) -> None:
    n, _ = throttle.store(settings()).peek(key)
    if n >= limit:
        raise Throttled(CODE_WINDOW)


def _destination(acc: commercial_api.OfficeAccount, want: str) -> tuple[str, str] | None:
    """(channel, recipient) on file for 'celular' or 'email'."""
    if want == "email":
        return ("email", acc.email) if acc.email else None
    if not acc.mobile:
        return None
    return ("whatsapp" if "whatsapp" in acc.channels else "sms", acc.mobile)


def code_text(code: str) -> str:
    return (f"Seu código de acesso ao escritório virtual é {code}. Vale por {CODE_MINUTES} "
            "minutos. Não informe este código a ninguém: o atendimento nunca o pede.")


@transactional
def request_code(document: str, matricula: str, want: str, address: str) -> CodeSent:
    """Step 1: send a code to the consumer's phone or e-mail on file. Throttled raises
    `Throttled`; anything that does not match returns CodeSent(None, '')."""
    _peek(f"office:falha:{address}", FAILURES_PER_ADDRESS)
    _hit(f"office:codigo-ip:{address}", CODES_PER_ADDRESS)
    acc = commercial_api.office_sign_in(document, matricula)
    dest = _destination(acc, want) if acc is not None else None
    if acc is None or dest is None:
        throttle.store(settings()).hit(f"office:falha:{address}", CODE_WINDOW)
        return CodeSent(None, "")
    _hit(f"office:codigo:{acc.connection_id}", CODES_PER_CONNECTION)
    channel, recipient = dest
    now = utcnow()
    s = session()
    # a new code supersedes the ones not used yet
    s.execute(update(OfficeCode).where(OfficeCode.connection_id == acc.connection_id,
                                       OfficeCode.used_at.is_(None),
                                       OfficeCode.expires_at > now)
              .values(expires_at=now))
    row = OfficeCode(connection_id=acc.connection_id, consumer_id=acc.consumer_id, channel=channel,
                     recipient_masked=mask(recipient), code_hash="-", created_at=now,
                     expires_at=now + dt.timedelta(minutes=CODE_MINUTES))
    s.add(row)
    s.flush()
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash = _hash(row.id, code)
    sent = incidents_api.send_direct(channel, recipient, code_text(code), key=f"escritorio-codigo:{row.id}",
                                     subject="Código de acesso ao escritório virtual")
    row.provider, row.provider_message_id = sent.provider or None, sent.provider_message_id
    row.sent_at = now if sent.ok else None
    row.send_error = None if sent.ok else (sent.error or "falhou")[:500]
    if not sent.ok:
        log.warning("office code %s not sent: %s", row.id, sent.error)
    s.flush()
    return CodeSent(row.id, row.recipient_masked)


@transactional
def verify_code(code_id: int | None, code: str, address: str) -> Verified:
    """Step 2: the code typed; a right one opens a session (its token goes in the cookie)."""
    _peek(f"office:falha:{address}", FAILURES_PER_ADDRESS)
    s = session()
    row = s.get(OfficeCode, code_id, with_for_update=True) if code_id else None
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if row is None:
        throttle.store(settings()).hit(f"office:falha:{address}", CODE_WINDOW)
        return Verified(False, reason="errado")
    if row.used_at is not None:
        return Verified(False, reason="usado")
    if row.attempts >= MAX_ATTEMPTS:
        return Verified(False, reason="esgotado")
    if row.expires_at <= utcnow():
        return Verified(False, reason="expirado")
    row.attempts += 1
    if len(typed) != 6 or not hmac.compare_digest(row.code_hash, _hash(row.id, typed)):
        throttle.store(settings()).hit(f"office:falha:{address}", CODE_WINDOW)
        s.flush()
        return Verified(False, reason="esgotado" if row.attempts >= MAX_ATTEMPTS else "errado")
    row.used_at = utcnow()
    token = secrets.token_urlsafe(32)
    s.add(OfficeSession(token_hash=_token_hash(token), connection_id=row.connection_id,
                        consumer_id=row.consumer_id, code_id=row.id))
    s.flush()
    return Verified(True, token=token)


@transactional
def session_for(token: str | None) -> OfficeSession | None:
    """The live session of this cookie token (and its last-seen time moved), or None."""
    if not token or len(token) > 100:
        return None
    s = session()
    row = s.scalars(select(OfficeSession).where(OfficeSession.token_hash == _token_hash(token))).first()
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if (now - row.last_seen_at > dt.timedelta(minutes=IDLE_MINUTES)
            or now - row.created_at > dt.timedelta(hours=MAX_HOURS)):
        row.ended_at = now
        return None
    row.last_seen_at = now
    return row


@transactional
def sign_out(token: str | None) -> None:
    if not token:
        return
    session().execute(update(OfficeSession)
                      .where(OfficeSession.token_hash == _token_hash(token),
                             OfficeSession.ended_at.is_(None))
                      .values(ended_at=utcnow()))
