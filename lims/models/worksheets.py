"""LIMS models: worksheets and quality-control samples (issue 20, parts 1 and 2).

A `Worksheet` groups samples awaiting the analysis of one method with its QC positions
(blank, duplicate, reference material), keeps who analysed, when, with which instrument and
reagent lots, and the bench readings per position (`WorksheetSlot`). A `WorksheetTemplate`
says how many samples and where the QC positions go. The acceptance rules of the QC samples
that are not the method's own data live here too: the duplicate limit per method
(`QcSetting`) and the reference materials (certified value, tolerance, lot, expiry).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum

VALUE = Numeric(20, 8)


class SlotKind(LabelledStrEnum):
    """What stands at a worksheet position: a sample, or a QC sample judged by `lims.services.qc`."""

    SAMPLE = "amostra", "Amostra"
    BLANK = "branco", "Branco"
    DUPLICATE = "duplicata", "Duplicata"
    REFERENCE = "referencia", "Material de referência"


class WorksheetState(LabelledStrEnum):
    """A worksheet's course: a failed QC holds its results until a Supervisor accepts them or
    orders the rerun."""

    OPEN = "aberta", "Aberta: aguardando as leituras"
    HELD = "retida", "Retida: controle de qualidade reprovado"
    DONE = "concluida", "Concluída"
    ACCEPTED = "aceita", "Aceita pelo Supervisor com justificativa"
    RERUN = "reanalisada", "Reanalisada em nova planilha"


class QcSetting(Audited, IdMixin, TimestampMixin, Base):
    """The QC acceptance of one method: the duplicate's relative difference limit (percent of
    the pair's mean) and whether the blank must stay below the LD or the LQ."""

    __tablename__ = "lims_qc_setting"

    method_id: Mapped[int] = mapped_column(ForeignKey("lims_method.id"), unique=True)
    duplicate_max_rpd: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal("10"))
    blank_limit: Mapped[str] = mapped_column(String(2), default="ld")  # "ld" | "lq"


class ReferenceMaterial(Audited, IdMixin, TimestampMixin, Base):
    """A control standard or certified reference material for a method."""

    __tablename__ = "lims_reference_material"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    method_id: Mapped[int] = mapped_column(ForeignKey("lims_method.id"), index=True)
    certified_value: Mapped[Decimal] = mapped_column(VALUE)
    tolerance: Mapped[Decimal] = mapped_column(VALUE)  # accepted: certified ± tolerance
    unit: Mapped[str] = mapped_column(String(30), default="")
    lot: Mapped[str] = mapped_column(String(60))
    expires_on: Mapped[dt.date]
    supplier: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)


class WorksheetTemplate(Audited, IdMixin, TimestampMixin, Base):
    """N samples and the QC positions: `layout` is a list of {"tipo": "branco" |
    "duplicata" | "referencia", "posicao": n (1-based, in the final sheet), "de": k (the k-th
    sample a duplicate repeats), "material": reference material id}."""

    __tablename__ = "lims_worksheet_template"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("lims_method.id"), index=True)
    sample_count: Mapped[int]
    layout: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)


class Worksheet(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_worksheet"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("lims_method.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("lims_worksheet_template.id"))
    state: Mapped[str] = mapped_column(String(20), default=WorksheetState.OPEN.value, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    analyst_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("lims_instrument.id"))
    reagent_lots: Mapped[str] = mapped_column(Text, default="")
    analysed_at: Mapped[dt.datetime | None]
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    entered_at: Mapped[dt.datetime | None]
    qc_passed: Mapped[bool | None]
    qc_summary: Mapped[str] = mapped_column(Text, default="")
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("lims_worksheet.id"))
    notes: Mapped[str | None] = mapped_column(Text)


class WorksheetSlot(Audited, IdMixin, TimestampMixin, Base):
    """One position of a worksheet: a sample (its result) or a QC sample (its reading and
    verdict)."""

    __tablename__ = "lims_worksheet_slot"
    __table_args__ = (UniqueConstraint("worksheet_id", "position"),)

    worksheet_id: Mapped[int] = mapped_column(ForeignKey("lims_worksheet.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))  # SlotKind
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("lims_sample.id"))
    sample_code: Mapped[str] = mapped_column(String(40), default="")
    duplicate_of: Mapped[int | None]  # the position of the sample a duplicate repeats
    reference_material_id: Mapped[int | None] = mapped_column(
        ForeignKey("lims_reference_material.id"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("lims_result.id"))
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    value_text: Mapped[str] = mapped_column(String(40), default="")
    qc_ok: Mapped[bool | None]
    qc_note: Mapped[str] = mapped_column(String(300), default="")
