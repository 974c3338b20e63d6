"""Commercial's public interface.

Who lives where and how to reach them: incidents uses it to notify the affected, the
public site to find a citizen's supply system.
"""

from __future__ import annotations

from commercial.api_types import Area, Contact, ServiceLocation
from commercial.demo import office as demo_office
from commercial.services import areas, office
from commercial.services.office import InvoiceSummary, IssuedInvoice, MonthlyUse, OfficeAccount

__all__ = ["Area", "Contact", "InvoiceSummary", "IssuedInvoice", "MonthlyUse", "OfficeAccount",
           "ServiceLocation", "consumers_in_area", "count_in_area", "locate", "locate_public",
           "neighbourhoods", "office_account", "office_account_by_meter", "office_consumption",
           "office_invoices", "office_issued_in_batch", "office_personal_data",
           "office_demo_account", "office_prepare_demo_consumer", "office_second_copy",
           "office_set_preferences", "office_sign_in"]
from decimal import Decimal

from commercial.api_types import (
    ConnectionInfo,
    InvoiceLine,
    NoticeLine,
    ReadingLine,
)
from commercial.services import field_services

__all__ = ["Area", "ConnectionInfo", "Contact", "InvoiceLine", "NoticeLine", "ReadingLine",
           "ServiceLocation", "bill_service", "change_situation", "connection",
           "connection_by_matricula", "consumers_in_area", "count_in_area", "invoices_of", "locate",
           "locate_public", "neighbourhoods", "notices_of", "pending_charges", "readings_of",
           "search_connections"]


def consumers_in_area(area: Area) -> list[Contact]:
    """Active connections in the area with their contact channels (fast: 5,000 in < 1 s)."""
    return areas.contacts_in_area(area)


def count_in_area(area: Area) -> int:
    return areas.count_in_area(area)


def locate(query: str, limit: int = 20) -> list[ServiceLocation]:
    """Find by matricula (with or without check digit), street or neighbourhood name."""
    return areas.locate(query, limit)


def locate_public(query: str, limit: int = 20) -> list[ServiceLocation]:
    """`locate` for the citizens' site: a matricula must come whole, with its check digit,
    and answers only its system, sector and neighbourhood (never the street or the
    coordinates of one consumer); a street or neighbourhood with fewer than
    PUBLIC_MIN_GROUP connections has no coordinates either."""
    return areas.locate_public(query, limit)


def neighbourhoods() -> list[str]:
    return areas.neighbourhood_names()



# -- the consumers' virtual office (portal, issue 21 item 4) ---------------------------------

def office_sign_in(document: str, matricula: str) -> OfficeAccount | None:
    """The connection of this matricula (with its check digit) if it belongs to the consumer
    with this CPF/CNPJ, else None."""
    return office.find_account(document, matricula)


def office_account(connection_id: int) -> OfficeAccount | None:
    return office.account(connection_id)


def office_account_by_meter(meter_number: str) -> OfficeAccount | None:
    return office.account_by_meter(meter_number)


def office_invoices(connection_id: int, limit: int = 24) -> list[InvoiceSummary]:
    return office.invoices_for(connection_id, limit)


def office_second_copy(connection_id: int, invoice_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the marked second copy; NotFound unless the invoice is this
    connection's."""
    return office.second_copy(connection_id, invoice_id)


def office_consumption(connection_id: int, months: int = 13) -> list[MonthlyUse]:
    return office.consumption_history(connection_id, months)


def office_set_preferences(connection_id: int, *, channels: list[str], consent: bool,
                           invoice_by_email: bool) -> OfficeAccount:
    return office.set_preferences(connection_id, channels=channels, consent=consent,
                                  invoice_by_email=invoice_by_email)


def office_personal_data(connection_id: int) -> dict[str, object]:
    return office.personal_data(connection_id)


def office_issued_in_batch(batch_id: int, connection_ids: list[int]) -> list[IssuedInvoice]:
    return office.issued_in_batch(batch_id, connection_ids)


def office_demo_account(document: str) -> OfficeAccount | None:
    """The demo's virtual-office consumer (by CPF), once seeded."""
    return demo_office.demo_account(document)


def office_prepare_demo_consumer(document: str, *, mobile: str, email: str) -> OfficeAccount | None:
    """Demo only: give an invoiced residential connection's consumer this CPF and contacts."""
    return demo_office.prepare_consumer(document, mobile=mobile, email=email)
# -- one connection: the customer screen and the work orders of a connection (issue 21) ----------

def connection(connection_id: int) -> ConnectionInfo | None:
    return field_services.connection(connection_id)


def search_connections(q: str, limit: int = 20) -> list[ConnectionInfo]:
    """Staff search: matricula, meter number, name, CPF/CNPJ, street or neighbourhood."""
    return field_services.search(q, limit)


def connection_by_matricula(text: str) -> ConnectionInfo | None:
    """The connection of a matricula typed with or without its check digit, or None."""
    return field_services.by_matricula(text)


def change_situation(connection_id: int, situation: str, reason: str) -> ConnectionInfo:
    """An executed cut (cortada), suppression (suprimida) or reconnection (ativa), audited with
    `reason`; Conflict when the connection's current situation does not allow it."""
    return field_services.change_situation(connection_id, situation, reason)


def bill_service(connection_id: int, description: str, amount: Decimal) -> int:
    """A service to bill on the connection's next invoice (ServiceCharge); its id."""
    return field_services.bill_service(connection_id, description, amount)


def pending_charges(connection_id: int) -> list[tuple[str, Decimal]]:
    return field_services.pending_charges(connection_id)


def invoices_of(connection_id: int, limit: int = 12) -> list[InvoiceLine]:
    return field_services.invoices_of(connection_id, limit)


def readings_of(connection_id: int, limit: int = 12) -> list[ReadingLine]:
    return field_services.readings_of(connection_id, limit)


def notices_of(connection_id: int, limit: int = 12) -> list[NoticeLine]:
    """Messages sent to the connection's consumer (invoice announcements, e-invoices)."""
    return field_services.notices_of(connection_id, limit)
