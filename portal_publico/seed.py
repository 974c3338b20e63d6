"""The virtual office's demo: one consumer who can sign in (a known CPF, the matricula printed
by `saae demo`, the one-time code shown on the local outbox page) with invoices, readings and
alert subscriptions. Runs after commercial's demo (saae.seed.AREA_SEEDS)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from commercial import api as commercial_api
from core.db import session
from portal_publico.models import AlertKind, OfficeSubscription

DEMO_CPF = "529.982.247-25"  # a valid CPF kept for the demo consumer (no real person's)
DEMO_EMAIL = "consumidora.demo@exemplo.com.br"
DEMO_MOBILE = "(19) 99876-5432"


def seed_reference() -> None:
    """No reference data of its own."""


def demo_login() -> tuple[str, str] | None:
    """(CPF, matricula with its digit) of the demo consumer, once the demo is seeded."""
    acc = commercial_api.office_demo_account(DEMO_CPF)
    return (DEMO_CPF, acc.matricula) if acc is not None else None


def seed_demo(today: dt.date) -> None:
    """Idempotent: the demo consumer's contacts and telemetered meter, and its subscriptions
    (invoice issued, high consumption, continuous flow). The invoices already issued by the
    commercial demo publish InvoiceBatchIssued: the first outbox drain sends the alerts."""
    acc = commercial_api.office_prepare_demo_consumer(DEMO_CPF, mobile=DEMO_MOBILE,
                                                       email=DEMO_EMAIL)
    if acc is None:
        return
    have = set(session.scalars(select(OfficeSubscription.kind)
                               .where(OfficeSubscription.connection_id == acc.connection_id)))
    for kind, channel in ((AlertKind.INVOICE_ISSUED, "whatsapp"), (AlertKind.HIGH_USE, "sms"),
                          (AlertKind.LEAK, "whatsapp"), (AlertKind.DEBIT_DATE, "email")):
        if str(kind) not in have:
            session.add(OfficeSubscription(connection_id=acc.connection_id,
                                           consumer_id=acc.consumer_id, kind=str(kind),
                                           channel=channel, active=True))
    session.flush()
