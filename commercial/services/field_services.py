"""What field work does to a connection (tender 7.9 "Gerenciar execução de corte"): an
executed cut, suppression or reconnection order changes the connection's situation, an
executed service with a price reaches the next invoice as a ServiceCharge; and the customer
screen's read of one connection (its invoices, readings and the messages sent to it).

Called by other areas only through commercial.api (commercial knows nothing of work orders:
the caller passes the order's number as the reason)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from commercial.api_types import ConnectionInfo, InvoiceLine, NoticeLine, ReadingLine
from commercial.domain.documents import parse_matricula
from commercial.models import (
    SITUATION_LABELS,
    Connection,
    Invoice,
    Notice,
    Reading,
    ServiceCharge,
    Situation,
)
from commercial.services import lookups
from commercial.services.invoices import add_service
from core.audit import audit_context
from core.db import session, transactional
from core.errors import Conflict, NotFound, ValidationError

# which situations an executed order may start from, per target (a reconnection of an active
# connection, or a cut of a removed one, is a mistake the operator must see)
_FROM = {Situation.CUT_OFF: {Situation.ACTIVE}, Situation.REMOVED: {Situation.ACTIVE, Situation.CUT_OFF},
         Situation.ACTIVE: {Situation.CUT_OFF, Situation.REMOVED}}


def _info(c: Connection) -> ConnectionInfo:
    return ConnectionInfo(
        id=c.id, matricula=c.matricula, name=c.consumer.name, address=c.address,
        neighbourhood=c.neighbourhood, city=c.city, sector_code=c.sector_code, system_id=c.system_id,
        latitude=c.latitude, longitude=c.longitude, situation=c.situation,
        situation_label=SITUATION_LABELS.get(Situation(c.situation), c.situation),
        mobile=c.consumer.mobile, email=c.consumer.email, meter_number=c.meter_number)


def connection(connection_id: int) -> ConnectionInfo | None:
    c = session().get(Connection, connection_id)
    return _info(c) if c else None


def search(q: str, limit: int = 20) -> list[ConnectionInfo]:
    """By matricula, meter, name, CPF/CNPJ, street or neighbourhood (commercial's own search)."""
    return [_info(c) for c in lookups.search_connections(q, limit=limit)]


def by_matricula(text: str) -> ConnectionInfo | None:
    """The connection of a matricula typed with or without its check digit."""
    base, full = parse_matricula(text or "")
    stmt = select(Connection)
    if full:
        stmt = stmt.where(Connection.matricula == full)
    elif base is not None and base < 2**31:
        stmt = stmt.where(Connection.number == base)
    else:
        return None
    c = session().scalars(stmt).first()
    return _info(c) if c else None


@transactional
def change_situation(connection_id: int, situation: str, reason: str) -> ConnectionInfo:
    """Executed cut / suppression / reconnection: the connection's new situation (audited with
    the order as the reason); unchanged when already there; Conflict when the current
    situation does not allow it."""
    c = session().get(Connection, connection_id)
    if c is None:
        raise NotFound("Ligação não encontrada.")
    try:
        target = Situation(situation)
    except ValueError:
        raise ValidationError("Situação de ligação inválida.", fields={"situation": ["invalida"]}) from None
    if c.situation == target.value:  # the same order synced twice, or already done by hand
        return _info(c)
    if Situation(c.situation) not in _FROM[target]:
        raise Conflict(f"A ligação {c.matricula} está "
                       f"{SITUATION_LABELS[Situation(c.situation)].lower()}: não pode passar a "
                       f"{SITUATION_LABELS[target].lower()}.")
    with audit_context(reason=reason[:500] or "situação da ligação alterada em campo"):
        c.situation = target.value
        session().flush()
    lookups.forget_active_count()
    return _info(c)


def bill_service(connection_id: int, description: str, amount: Decimal) -> int:
    """An executed service to bill on the connection's next invoice; the charge's id."""
    return add_service(connection_id, description, amount).id


def invoices_of(connection_id: int, limit: int = 12) -> list[InvoiceLine]:
    rows = session().scalars(select(Invoice).where(Invoice.connection_id == connection_id)
                             .order_by(Invoice.year.desc(), Invoice.month.desc(), Invoice.id.desc())
                             .limit(limit))
    return [InvoiceLine(i.id, i.number, i.year, i.month, i.due_date, i.total, i.state, i.paid_at)
            for i in rows]


def readings_of(connection_id: int, limit: int = 12) -> list[ReadingLine]:
    rows = session().scalars(select(Reading).where(Reading.connection_id == connection_id)
                             .order_by(Reading.year.desc(), Reading.month.desc()).limit(limit))
    return [ReadingLine(r.year, r.month, r.read_on, r.value, r.consumption, r.kind, r.occurrence)
            for r in rows]


def notices_of(connection_id: int, limit: int = 12) -> list[NoticeLine]:
    rows = session().scalars(select(Notice).where(Notice.connection_id == connection_id)
                             .order_by(Notice.id.desc()).limit(limit))
    return [NoticeLine(n.kind, n.channel, n.text, n.state, n.scheduled_for, n.sent_at) for n in rows]


def pending_charges(connection_id: int) -> list[tuple[str, Decimal]]:
    """Services waiting for the next invoice (description, amount)."""
    rows = session().scalars(select(ServiceCharge).where(
        ServiceCharge.connection_id == connection_id, ServiceCharge.invoice_id.is_(None),
        ServiceCharge.cancelled.is_(False)).order_by(ServiceCharge.id))
    return [(s.description, s.amount) for s in rows]
