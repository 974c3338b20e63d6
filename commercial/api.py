"""Commercial's public interface.

Who lives where and how to reach them: incidents uses it to notify the affected, the
public site to find a citizen's supply system.
"""

from __future__ import annotations

from decimal import Decimal

from commercial.api_types import (
    Area,
    ConnectionInfo,
    Contact,
    InvoiceLine,
    NoticeLine,
    ReadingLine,
    ServiceLocation,
)
from commercial.services import areas, field_services

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
