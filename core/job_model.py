"""The row of a long background job (`core_job`), its states and their pt-BR labels.
What runs, resumes and cancels jobs is core.jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited
from core.db import Base, IdMixin, TimestampMixin
from core.enums import LabelledStrEnum


class JobState(LabelledStrEnum):
    QUEUED = "na_fila", "Na fila"
    RUNNING = "executando", "Em execução"
    DONE = "concluido", "Concluído"
    FAILED = "falhou", "Falhou"
    INTERRUPTED = "interrompido", "Interrompido"
    CANCELLED = "cancelado", "Cancelado"


RESUMABLE = (JobState.INTERRUPTED, JobState.FAILED)
CANCELLABLE = (JobState.QUEUED, JobState.INTERRUPTED, JobState.FAILED)


class Job(Audited, IdMixin, TimestampMixin, Base):
    """One run of a long background job and what became of it."""

    __tablename__ = "core_job"
    __audit_exclude__ = frozenset({"heartbeat_at", "done", "total", "checkpoint", "updated_at",
                                   "worker", "started_at", "result"})

    path: Mapped[str] = mapped_column(String(200))  # dotted path of the job function
    title: Mapped[str] = mapped_column(String(200))  # pt-BR, for people
    subject: Mapped[str | None] = mapped_column(String(120), index=True)  # "commercial.batch:7"
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cancel_path: Mapped[str | None] = mapped_column(String(200))
    permission: Mapped[str | None] = mapped_column(String(80))  # who may resume / cancel
    state: Mapped[str] = mapped_column(String(15), default=JobState.QUEUED, index=True)
    worker: Mapped[str] = mapped_column(String(200), default="")  # host:pid of the last run
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    checkpoint: Mapped[list[Any]] = mapped_column(JSON, default=list)  # keys already done
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    interrupted_reason: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None]

    @property
    def state_label(self) -> str:
        return JobState(self.state).label

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
