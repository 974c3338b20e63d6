"""LIMS models: results (analyses), analysis reports of external labs, recoletas, ETA
stoppages and dosing consumption. Append-only: a correction or a reanalysis adds a new row and
points the old one at it (`superseded_by_id`); nothing is ever deleted.

`sample_id` / `parameter_id` / `point_id` / `system_id` refer to part 1's tables (lims_sample,
lims_parameter, lims_collection_point, lims_supply_system); they are plain indexed integers so
this module does not depend on the order in which the two LIMS parts land.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin, utcnow
from core.enums import LabelledStrEnum

VALUE = Numeric(20, 8)


class ResultState(LabelledStrEnum):
    """Only validated (and published) results count in the month; only published ones leave
    the lab."""

    ENTERED = "registrado", "Aguardando validação"
    VALIDATED = "validado", "Validado"
    PUBLISHED = "publicado", "Publicado"
    SUPERSEDED = "substituido", "Substituído"  # corrected or reanalysed: kept, no longer counts
    CANCELLED = "cancelado", "Cancelado"


class SupersedeKind(enum.StrEnum):
    """Why a result was superseded: its value corrected, or the sample analysed again."""

    CORRECTION = "correcao"
    REANALYSIS = "reanalise"


class AnalysisReport(Audited, IdMixin, TimestampMixin, Base):
    """A "Boletim de Analise" of an external (contracted) laboratory, transcribed into results."""

    __tablename__ = "lims_analysis_report"
    __table_args__ = (UniqueConstraint("lab_name", "report_number"),)

    lab_name: Mapped[str] = mapped_column(String(200))
    report_number: Mapped[str] = mapped_column(String(60))
    report_date: Mapped[dt.date]
    file_path: Mapped[str | None] = mapped_column(String(400))  # relative to settings.data_dir
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


class Result(Audited, IdMixin, TimestampMixin, Base):
    """One analysis of one parameter of one sample."""

    __tablename__ = "lims_result"
    __table_args__ = (
        Index("ix_lims_result_sample_param", "sample_id", "parameter_id"),
        Index("ix_lims_result_state_month", "state", "collected_on"),
        Index("ix_lims_result_system_month", "system_id", "collected_on"),
    )

    sample_id: Mapped[int]  # looked up through ix_lims_result_sample_param (its first column)
    sample_code: Mapped[str] = mapped_column(String(40), default="")
    parameter_id: Mapped[int]  # looked up with sample_id (ix_lims_result_sample_param)
    # denormalised at entry (stable for reports, closing and the public API)
    parameter_code: Mapped[str] = mapped_column(String(80), index=True)
    parameter_name: Mapped[str] = mapped_column(String(200))
    point_id: Mapped[int | None] = mapped_column(index=True)
    point_kind: Mapped[str | None] = mapped_column(String(30))
    point_code: Mapped[str] = mapped_column(String(40), default="")
    point_name: Mapped[str] = mapped_column(String(200), default="")
    system_id: Mapped[int | None]
    system_name: Mapped[str] = mapped_column(String(200), default="")
    collected_at: Mapped[dt.datetime | None]
    collected_on: Mapped[dt.date | None]
    is_recoleta: Mapped[bool] = mapped_column(default=False)
    # the result as reported
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    value_text: Mapped[str] = mapped_column(String(40))  # "0,050", "< LD", "Ausente"
    qualifier: Mapped[str] = mapped_column(String(10), default="")  # vmp.Qualifier
    unit: Mapped[str] = mapped_column(String(30), default="")
    ld: Mapped[Decimal | None] = mapped_column(VALUE)
    lq: Mapped[Decimal | None] = mapped_column(VALUE)
    method: Mapped[str | None] = mapped_column(String(200))
    instrument: Mapped[str | None] = mapped_column(String(120))
    # issue 20: the method and instrument used, the expanded uncertainty (k = 2) from the
    # method's range and the decision rule the verdict was judged by (lims.services.methods)
    method_id: Mapped[int | None] = mapped_column(ForeignKey("lims_method.id"))
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("lims_instrument.id"))
    uncertainty: Mapped[Decimal | None] = mapped_column(VALUE)
    decision_rule: Mapped[str | None] = mapped_column(String(20))
    analysed_at: Mapped[dt.datetime]
    analyst_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("lims_analysis_report.id"))
    outside_plausible_confirmed: Mapped[bool] = mapped_column(default=False)
    observation: Mapped[str | None] = mapped_column(Text)
    # the VMP check at entry (vmp.Verdict) and the standard in words
    verdict: Mapped[str] = mapped_column(String(20))
    standard: Mapped[str] = mapped_column(String(120), default="")
    # lifecycle
    state: Mapped[ResultState] = mapped_column(String(20), default=ResultState.ENTERED)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    validated_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lims_result.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("lims_result.id"))
    supersede_kind: Mapped[str | None] = mapped_column(String(20))
    change_reason: Mapped[str | None] = mapped_column(String(1000))
    nonconformity_notified: Mapped[bool] = mapped_column(default=False)

    @property
    def counts(self) -> bool:
        return self.state in (ResultState.VALIDATED, ResultState.PUBLISHED)


# The open data's first pages (published results, newest first) read this index in order; SQLite
# cannot declare NULLS LAST in an index, and the embedded demo's few thousand rows sort in
# memory cheaply, so it exists on PostgreSQL only (tests/test_migrations.py knows it).
Index("ix_lims_result_published_order", Result.state, Result.collected_at.desc().nulls_last(),
      Result.id.desc()).ddl_if(dialect="postgresql")


class RecoletaState(enum.StrEnum):
    ACTIVE = "ativa"
    CANCELLED = "cancelada"


class Recoleta(Audited, IdMixin, TimestampMixin, Base):
    """A re-sample scheduled because of a positive result, linked to the original."""

    __tablename__ = "lims_recoleta"
    __table_args__ = (UniqueConstraint("original_result_id", "point_id", "scheduled_for"),)

    original_sample_id: Mapped[int] = mapped_column(index=True)
    original_result_id: Mapped[int | None] = mapped_column(ForeignKey("lims_result.id"))
    sample_id: Mapped[int | None] = mapped_column(index=True)  # the new sample (part 1)
    point_id: Mapped[int]
    role: Mapped[str] = mapped_column(String(20))  # recoleta.Role
    scheduled_for: Mapped[dt.date]
    automatic: Mapped[bool] = mapped_column(default=True)
    state: Mapped[RecoletaState] = mapped_column(String(20), default=RecoletaState.ACTIVE)
    reason: Mapped[str | None] = mapped_column(String(1000))
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


class EtaStoppage(Audited, IdMixin, TimestampMixin, Base):
    """An ETA stoppage, typed by hand or received from the supervisory system."""

    __tablename__ = "lims_eta_stoppage"
    __table_args__ = (Index("ix_lims_eta_stoppage_eta", "eta_code", "started_at"),)

    eta_code: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    reason: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | supervisorio
    source_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    def hours_within(self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> float:
        a = max(self.started_at, start)
        b = min(self.ended_at or now or utcnow(), end)
        return max(0.0, (b - a).total_seconds() / 3600)


class DosingConsumption(Audited, IdMixin, TimestampMixin, Base):
    """Monthly consumption of a dosing product at an ETA (coagulant, chlorine, fluoride...)."""

    __tablename__ = "lims_dosing_consumption"
    __table_args__ = (UniqueConstraint("eta_code", "year", "month", "product"),)

    eta_code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    month: Mapped[int]
    product: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(20), default="kg")
    notes: Mapped[str | None] = mapped_column(String(500))
