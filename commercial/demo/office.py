"""The virtual office's demo consumer (issue 21 item 4): a residential connection with
invoices whose consumer gets a known CPF, a mobile and an e-mail, direct debit and a
telemetered meter, so every part of the office (and every alert) has something to show."""

from __future__ import annotations

from sqlalchemy import exists, select

from commercial.domain.documents import cnpj_clean
from commercial.domain.text import digits
from commercial.models import Connection, Consumer, Invoice, Situation
from commercial.services import office
from core.audit import audit_context
from core.db import session, utcnow


def demo_account(document: str) -> office.OfficeAccount | None:
    conn = session.scalars(select(Connection).join(Consumer, Consumer.id == Connection.consumer_id)
                           .where(Consumer.document == cnpj_clean(document))
                           .order_by(Connection.id)).first()
    return office.account(conn.id) if conn is not None else None


def prepare_consumer(document: str, *, mobile: str, email: str) -> office.OfficeAccount | None:
    """Idempotent; None when the commercial demo has no invoiced residential connection."""
    found = demo_account(document)
    if found is not None:
        return found
    conn = session.scalars(
        select(Connection).join(Consumer, Consumer.id == Connection.consumer_id)
        .where(Consumer.document_kind == "cpf", Connection.residencial > 0,
               Connection.situation == Situation.ACTIVE.value, Connection.system_id.is_not(None),
               exists().where(Invoice.connection_id == Connection.id))
        .order_by(Connection.id)).first()
    if conn is None:
        return None
    c = conn.consumer
    with audit_context(reason="carga da demonstração: consumidor do escritório virtual"):
        c.document = cnpj_clean(document)
        c.phones = [mobile]
        c.mobile = "+55" + digits(mobile)
        c.email = email
        c.channels = ["whatsapp", "sms", "email"]
        c.consent, c.consent_at = True, utcnow()
        conn.direct_debit = True
        conn.meter_telemetered = True
        session.flush()
    return office.account(conn.id)
