"""The utility itself: the one organisation this installation serves (Decreto 5.440 annual
report fields, invoice header, public site)."""

from __future__ import annotations

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


def current_organization() -> Organization | None:
    return session().scalars(select(Organization).order_by(Organization.id)).first()
