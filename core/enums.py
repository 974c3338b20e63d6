"""Enumerations whose members carry their pt-BR label: pure, no Flask, no SQLAlchemy."""

from __future__ import annotations

import enum
from typing import Self


class LabelledStrEnum(enum.StrEnum):
    """A StrEnum whose members are written `QUEUED = "na_fila", "Na fila"`: the value (what is
    stored and sent, unchanged) and the label people read (`JobState.QUEUED.label`)."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[Self, str]:
        """{member: label} in definition order (the `*_LABELS` dicts templates and forms read)."""
        return {member: member.label for member in cls}

    @classmethod
    def choices(cls) -> dict[str, str]:
        """{stored value: label} in definition order, plain strings (a form's choices)."""
        return {member.value: member.label for member in cls}
