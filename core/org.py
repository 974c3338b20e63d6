"""The utility itself: the one organisation this installation serves (Decreto 5.440 annual
report fields, invoice header, public site)."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, session


class Organization(Audited, IdMixin, Base):
    __tablename__ = "core_organization"

    name: Mapped[str] = mapped_column(String(200))  # razao social
    short_name: Mapped[str] = mapped_column(String(40))  # e.g. SAAE Vale Verde
    cnpj: Mapped[str | None] = mapped_column(String(20))
    municipality: Mapped[str] = mapped_column(String(120))
    uf: Mapped[str] = mapped_column(String(2))
    ibge_code: Mapped[str | None] = mapped_column(String(7))
    population: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(200))
    legal_representative: Mapped[str | None] = mapped_column(String(160))
    customer_service: Mapped[str | None] = mapped_column(String(300))  # setor de atendimento
    surveillance_body: Mapped[str | None] = mapped_column(String(300))  # vigilancia: nome/end/tel
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


_FIRST = select(Organization).order_by(Organization.id).limit(1)  # built once


def current_organization() -> Organization | None:
    """The utility's row. Read once a request (a page asks for it for its header, the portal's
    globals and each quality summary's "more information"): the same identity-mapped object a
    second query would return, kept in the request's WSGI environ (not `g`, which an outer app
    context, as in tests, carries from one request to the next)."""
    memo = request.environ if has_request_context() else {}
    org = memo.get("saae.organization")
    if org is None or org not in session():
        org = session().scalars(_FIRST).first()
        if org is not None:
            memo["saae.organization"] = org
    return org


# the header's one column, as a Core statement built once (no ORM object, no statement
# compiled per call: a third of the cost of loading the row)
_SHORT_NAME = select(Organization.short_name).order_by(Organization.id).limit(1)


def short_name() -> str | None:
    """The utility's short name, for the header of every page: from the row the request read
    already (current_organization), else the one column."""
    if has_request_context():
        org = request.environ.get("saae.organization")
        if org is not None and org in session():
            return org.short_name
    return session().connection().execute(_SHORT_NAME).scalar()
