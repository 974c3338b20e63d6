"""LIMS models: the laboratory's methods and instruments (issue 20, quality system).

A `Method` is how the lab measures one parameter (reference such as a Standard Methods
number, LD/LQ, unit); an `Instrument` is a piece of equipment with a calibration due date that
blocks result entry once expired. Ranges of uncertainty, calibration/verification/maintenance
records, analyst competence, holding times and worksheets build on these two tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum

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


class RecordKind(LabelledStrEnum):
    """The kind of an instrument's record: a calibration needs a certificate and its due date
    becomes the instrument's `calibration_due`."""

    CALIBRATION = "calibracao", "Calibração"
    VERIFICATION = "verificacao", "Verificação intermediária"
    MAINTENANCE = "manutencao", "Manutenção"


class DecisionRule(LabelledStrEnum):
    """How a result is judged against its limit (ISO/IEC 17025 7.8.6, stated on the report)."""

    VALUE = "valor", "Aceitação simples: o valor medido contra o VMP, sem considerar a incerteza"
    GUARD_BAND = "banda_de_guarda", ("Banda de guarda igual à incerteza expandida (U, k = 2): "
                                     "conforme somente se o valor mais U atende ao VMP "
                                     "(e o valor menos U ao mínimo)")


class MethodRange(Audited, IdMixin, TimestampMixin, Base):
    """The expanded measurement uncertainty of a method within one concentration range:
    `u_abs` in the method's unit, or `u_rel` as a percentage of the value (k = coverage)."""

    __tablename__ = "lims_method_range"

    method_id: Mapped[int] = mapped_column(ForeignKey("lims_method.id"), index=True)
    low: Mapped[Decimal] = mapped_column(VALUE)
    high: Mapped[Decimal | None] = mapped_column(VALUE)  # None: no upper end
    u_abs: Mapped[Decimal | None] = mapped_column(VALUE)
    u_rel: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))  # percent of the value
    k: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal(2))
    notes: Mapped[str] = mapped_column(String(300), default="")


class InstrumentRecord(Audited, IdMixin, TimestampMixin, Base):
    """A calibration, verification or maintenance of an instrument; the latest calibration's
    `due_on` becomes the instrument's `calibration_due`."""

    __tablename__ = "lims_instrument_record"

    instrument_id: Mapped[int] = mapped_column(ForeignKey("lims_instrument.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # RecordKind
    performed_on: Mapped[dt.date]
    due_on: Mapped[dt.date | None]
    certificate: Mapped[str] = mapped_column(String(120), default="")
    performed_by: Mapped[str] = mapped_column(String(200), default="")  # person or provider
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


class Competence(Audited, IdMixin, TimestampMixin, Base):
    """An analyst authorised to enter results of one method (deactivated, never deleted)."""

    __tablename__ = "lims_competence"
    __table_args__ = (UniqueConstraint("user_id", "method_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("lims_method.id"), index=True)
    granted_on: Mapped[dt.date]
    evidence: Mapped[str] = mapped_column(String(300), default="")  # training, PT round...
    active: Mapped[bool] = mapped_column(default=True)


class ParameterRule(Audited, IdMixin, TimestampMixin, Base):
    """The quality rules of one parameter: holding time (collection -> analysis), arrival
    temperature range, decision rule and number of independent verifications. Seeded from
    lims/data/holding_times_v1.toml (source cited; UNVERIFIED values stay editable)."""

    __tablename__ = "lims_parameter_rule"

    parameter_id: Mapped[int] = mapped_column(ForeignKey("lims_parameter.id"), unique=True)
    max_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    temp_min: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    temp_max: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    source: Mapped[str] = mapped_column(String(300), default="")
    unverified: Mapped[bool] = mapped_column(default=False)
    version: Mapped[str] = mapped_column(String(40), default="manual")
    decision_rule: Mapped[str] = mapped_column(String(20), default=DecisionRule.VALUE.value)
    verifications: Mapped[int] = mapped_column(default=1)


class ResultVerification(Audited, IdMixin, TimestampMixin, Base):
    """One independent verification of a result (the n-th of the parameter's required ones)."""

    __tablename__ = "lims_result_verification"
    __table_args__ = (UniqueConstraint("result_id", "user_id"),)

    result_id: Mapped[int] = mapped_column(ForeignKey("lims_result.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    seq: Mapped[int]
    verified_at: Mapped[dt.datetime]
