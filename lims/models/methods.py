"""LIMS models: the laboratory's methods and instruments (issue 20, quality system).

A `Method` is how the lab measures one parameter (reference such as a Standard Methods
number, LD/LQ, unit); an `Instrument` is a piece of equipment with a calibration due date that
blocks result entry once expired. Ranges of uncertainty, calibration/verification/maintenance
records, analyst competence, holding times and worksheets build on these two tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin

VALUE = Numeric(20, 8)


class Method(Audited, IdMixin, TimestampMixin, Base):
    """How the laboratory measures `parameter_id` (one parameter may have several methods)."""

    __tablename__ = "lims_method"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parameter_id: Mapped[int] = mapped_column(ForeignKey("lims_parameter.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200), default="")  # e.g. "SMEWW 9223 B"
    unit: Mapped[str] = mapped_column(String(30), default="")
    ld: Mapped[Decimal | None] = mapped_column(VALUE)
    lq: Mapped[Decimal | None] = mapped_column(VALUE)
    active: Mapped[bool] = mapped_column(default=True)


class Instrument(Audited, IdMixin, TimestampMixin, Base):
    """A piece of laboratory equipment; `calibration_due` is the day after which it cannot be
    used for results (kept from the latest calibration record)."""

    __tablename__ = "lims_instrument"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(60), default="")
    serial: Mapped[str | None] = mapped_column(String(80))
    location: Mapped[str | None] = mapped_column(String(120))
    calibration_due: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=True)
