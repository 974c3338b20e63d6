"""LIMS models: a result held from validation until a Supervisor decides (issue 20).

A hold is opened by whatever judges a result unfit to be validated as it stands: a failed QC
sample of its worksheet (`kind` "qc"), an analysis past the parameter's holding time
("prazo"), a sample received out of its temperature range ("temperatura"). While a hold is
undecided the result cannot be validated; the Supervisor either orders a reanalysis or accepts
the result with a justification, and the decision stays on the record (and reaches the
month's closing report).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum


class HoldKind(LabelledStrEnum):
    QC = "qc", "Controle de qualidade reprovado"
    HOLDING_TIME = "prazo", "Análise após o prazo de validade da amostra"
    TEMPERATURE = "temperatura", "Amostra recebida fora da temperatura"


class HoldDecision(enum.StrEnum):
    """The Supervisor's decision on a hold: reanalyse supersedes the held result and sends the
    sample back to the bench (a QC hold reruns the whole worksheet); accept lets the result go
    on to validation, the justification kept on the hold."""

    REANALYSE = "reanalisar"
    ACCEPT = "aceitar"


class ResultHold(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "lims_result_hold"

    result_id: Mapped[int] = mapped_column(ForeignKey("lims_result.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # HoldKind
    reason: Mapped[str] = mapped_column(Text)  # what was found, in pt-BR
    ref: Mapped[str] = mapped_column(String(80), default="")  # e.g. "planilha:12"
    decision: Mapped[str | None] = mapped_column(String(20))  # HoldDecision
    justification: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[dt.datetime | None]
