"""What the consumers' virtual office (portal) reads and changes of commercial, one connection
at a time: who signs in (CPF/CNPJ + matricula with its digit), their invoices and second
copy, readings, channel preferences and consent, their own data for an LGPD export, and the
facts of a batch's invoices that personalised alerts are made of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from commercial.domain.documents import cnpj_clean, document_kind, format_matricula, parse_matricula
from commercial.models import (
    CHANNELS,
    SITUATION_LABELS,
    Connection,
    Consumer,
    Invoice,
    InvoiceState,
    Reading,
    Situation,
)
from commercial.services import invoices as invoice_svc
from commercial.services.billing_parameters import parameters
from core.audit import audit_context
from core.db import ids_in, session, transactional, utcnow
from core.errors import NotFound, ValidationError

STATE_LABELS = {InvoiceState.ISSUED.value: "Em aberto", InvoiceState.PAID.value: "Paga",
                InvoiceState.CANCELLED.value: "Cancelada"}


@dataclass(frozen=True)
class OfficeAccount:
    """One connection as its consumer sees it in the virtual office."""

    consumer_id: int
    connection_id: int
    matricula: str  # formatted, with the check digit: 12345-6
    name: str
    mobile: str | None  # E.164, as on file
    email: str | None
    channels: tuple[str, ...]
    consent: bool
    consent_at: dt.datetime | None
    invoice_by_email: bool
    address: str
    neighbourhood: str
    sector_code: str | None
    system_id: int | None
    direct_debit: bool
    telemetered: bool
    meter_number: str | None
    situation: str  # label


@dataclass(frozen=True)
class InvoiceSummary:
    id: int
    number: str
    reference: str  # MM/AAAA
    issue_date: dt.date
    due_date: dt.date
    total: Decimal
    consumption: int
    state: str  # emitida | paga | cancelada
    state_label: str
    typed_line: str  # formatted
    pix: str | None


@dataclass(frozen=True)
class MonthlyUse:
    year: int
    month: int
    consumption: int
    kind: str  # real | media | minimo
    read_on: dt.date


@dataclass(frozen=True)
class IssuedInvoice:
    """What an alert about one invoice of a batch needs (no second read of commercial)."""

    invoice_id: int
    connection_id: int
    consumer_id: int
    matricula: str
    reference: str
    total: Decimal
    due_date: dt.date
    direct_debit: bool
    consumption: int
    average: int
    excess_percent: Decimal


def _account(conn: Connection) -> OfficeAccount:
    c = conn.consumer
    return OfficeAccount(
        consumer_id=c.id, connection_id=conn.id, matricula=format_matricula(conn.matricula),
        name=c.name, mobile=c.mobile, email=c.email, channels=tuple(c.channels or ()),
        consent=bool(c.consent), consent_at=c.consent_at, invoice_by_email=bool(c.invoice_by_email),
        address=conn.address, neighbourhood=conn.neighbourhood, sector_code=conn.sector_code,
        system_id=conn.system_id, direct_debit=bool(conn.direct_debit),
        telemetered=bool(conn.meter_telemetered), meter_number=conn.meter_number,
        situation=SITUATION_LABELS.get(Situation(conn.situation), conn.situation))


def find_account(document: str, matricula: str) -> OfficeAccount | None:
    """The connection whose matricula (with a valid check digit) belongs to the consumer with
    this CPF/CNPJ; None for anything else (the caller says nothing more to the person)."""
    if document_kind(document) is None:
        return None
    _base, full = parse_matricula(matricula)
    if full is None:
        return None
    conn = session.scalars(select(Connection).join(Consumer, Consumer.id == Connection.consumer_id)
                           .where(Connection.matricula == full,
                                  Consumer.document == cnpj_clean(document),
                                  Connection.situation != Situation.REMOVED.value)).first()
    return _account(conn) if conn is not None else None


def account(connection_id: int) -> OfficeAccount | None:
    conn = session.get(Connection, connection_id)
    return _account(conn) if conn is not None else None


def account_by_meter(meter_number: str) -> OfficeAccount | None:
    """The telemetered connection with this meter (a leak alert names the meter)."""
    conn = session.scalars(select(Connection).where(Connection.meter_number == meter_number,
                                                    Connection.meter_telemetered.is_(True))).first()
    return _account(conn) if conn is not None else None


def invoices_for(connection_id: int, limit: int = 24) -> list[InvoiceSummary]:
    return [InvoiceSummary(
        id=i.id, number=i.number, reference=f"{i.month:02d}/{i.year}", issue_date=i.issue_date,
        due_date=i.due_date, total=i.total, consumption=i.consumption, state=i.state,
        state_label=STATE_LABELS.get(i.state, i.state),
        typed_line=(i.doc.get("payment") or {}).get("typed_line_fmt") or i.typed_line,
        pix=i.pix if i.state == InvoiceState.ISSUED.value else None)
        for i in invoice_svc.invoices_of(connection_id, limit)]


def second_copy(connection_id: int, invoice_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the second copy of an invoice of THIS connection (audited count)."""
    inv = session.get(Invoice, invoice_id)
    if inv is None or inv.connection_id != connection_id:
        raise NotFound("Fatura não encontrada.")
    data = invoice_svc.second_copy(inv.id, reason="2a via pelo escritório virtual")
    return f"fatura-{inv.number}-2via.pdf", data


def consumption_history(connection_id: int, months: int = 13) -> list[MonthlyUse]:
    # the first reading of a meter is its baseline (no previous reading): no consumption yet
    rows = session.scalars(select(Reading).where(
        Reading.connection_id == connection_id,
        (Reading.previous_value.is_not(None)) | (Reading.kind != "real"))
        .order_by(Reading.year.desc(), Reading.month.desc()).limit(months))
    return [MonthlyUse(r.year, r.month, r.consumption, r.kind, r.read_on) for r in reversed(list(rows))]


@transactional
def set_preferences(connection_id: int, *, channels: list[str], consent: bool,
                    invoice_by_email: bool) -> OfficeAccount:
    """The consumer's own choice of channels, consent and digital invoice (audited, with
    the virtual office as the reason)."""
    conn = session.get(Connection, connection_id)
    if conn is None:
        raise NotFound("Ligação não encontrada.")
    c = conn.consumer
    chosen = [ch for ch in CHANNELS if ch in channels]
    if "email" in chosen and not c.email:
        raise ValidationError("Não há e-mail cadastrado para receber mensagens.",
                              fields={"canais": ["sem e-mail cadastrado"]})
    if any(ch in chosen for ch in ("sms", "whatsapp")) and not c.mobile:
        raise ValidationError("Não há celular cadastrado para receber mensagens.",
                              fields={"canais": ["sem celular cadastrado"]})
    if invoice_by_email and not c.email:
        raise ValidationError("Não há e-mail cadastrado para a fatura digital.",
                              fields={"fatura_email": ["sem e-mail cadastrado"]})
    with audit_context(reason="Preferências alteradas pelo consumidor no escritório virtual"):
        c.channels = chosen
        if bool(c.consent) != consent:
            c.consent_at = utcnow()
        c.consent = consent
        c.invoice_by_email = invoice_by_email
        session.flush()
    return _account(conn)


def personal_data(connection_id: int) -> dict[str, Any]:
    """Everything commercial keeps about the consumer of this connection (LGPD export)."""
    conn = session.get(Connection, connection_id)
    if conn is None:
        raise NotFound("Ligação não encontrada.")
    c = conn.consumer
    return {
        "consumidor": {"nome": c.name, "documento": c.document, "telefones": list(c.phones or []),
                       "celular": c.mobile, "email": c.email, "canais": list(c.channels or []),
                       "aceita_mensagens": bool(c.consent),
                       "consentimento_em": c.consent_at.isoformat() if c.consent_at else None,
                       "fatura_por_email": bool(c.invoice_by_email)},
        "ligacao": {"matricula": format_matricula(conn.matricula), "endereco": conn.address,
                    "bairro": conn.neighbourhood, "cidade": conn.city, "cep": conn.cep,
                    "economias": conn.economias(), "hidrometro": conn.meter_number,
                    "situacao": conn.situation, "debito_automatico": bool(conn.direct_debit)},
        "leituras": [{"referencia": f"{r.month:02d}/{r.year}", "data": r.read_on.isoformat(),
                      "leitura": r.value, "consumo_m3": r.consumption, "tipo": r.kind}
                     for r in session.scalars(select(Reading)
                                              .where(Reading.connection_id == connection_id)
                                              .order_by(Reading.year, Reading.month))],
        "faturas": [{"numero": i.number, "referencia": i.reference, "vencimento": i.due_date.isoformat(),
                     "total": str(i.total), "situacao": i.state_label}
                    for i in invoices_for(connection_id, 120)],
    }


def issued_in_batch(batch_id: int, connection_ids: list[int]) -> list[IssuedInvoice]:
    """The invoices a batch issued to these connections (the subscribed ones: a batch holds
    up to 25,000), with what the alerts compare (consumption vs. the usual)."""
    if not connection_ids:
        return []
    excess = parameters().excess_percent
    rows = session.execute(select(Invoice, Connection.direct_debit, Connection.matricula)
                           .join(Connection, Connection.id == Invoice.connection_id)
                           .where(Invoice.batch_id == batch_id,
                                  ids_in(Invoice.connection_id, connection_ids),
                                  Invoice.state != InvoiceState.CANCELLED.value)
                           .order_by(Invoice.id))
    return [IssuedInvoice(
        invoice_id=i.id, connection_id=i.connection_id, consumer_id=i.consumer_id,
        matricula=format_matricula(mat), reference=f"{i.month:02d}/{i.year}", total=i.total,
        due_date=i.due_date, direct_debit=bool(debit), consumption=i.consumption,
        average=int(((i.doc or {}).get("reading") or {}).get("average") or 0),
        excess_percent=Decimal(excess)) for i, debit, mat in rows]
