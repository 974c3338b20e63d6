"""What every detector shares: the reading shape, the finding, severities and kinds."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core import fmt

SEVERITIES = ("baixa", "media", "alta", "critica")
KINDS = ("limite", "taxa", "travado", "comunicacao", "vazao_noturna", "cusum", "ewma",
         "qualidade", "parada_eta")
KIND_LABELS = {
    "limite": "Limite ultrapassado",
    "taxa": "Variação brusca",
    "travado": "Sensor travado",
    "comunicacao": "Falha de comunicação",
    "vazao_noturna": "Aumento da vazão mínima noturna",
    "cusum": "Desvio persistente (CUSUM)",
    "ewma": "Desvio persistente (EWMA)",
    "qualidade": "Evento de qualidade da água",
    "parada_eta": "Parada da ETA",
}
SENSOR_KINDS = frozenset({"travado", "comunicacao"})


class ReadingLike(Protocol):
    ts: dt.datetime
    value: float
    quality: str


@dataclass(frozen=True)
class Finding:
    """One episode found in a window. `end` None = still going at the end of the window."""

    kind: str
    start: dt.datetime
    end: dt.datetime | None
    severity: str
    message: str
    value: float | None = None  # the most extreme value / score of the episode
    process: bool = True  # False for sensor faults (comunicacao, travado)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def ongoing(self) -> bool:
        return self.end is None


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def usable(readings: Sequence[ReadingLike]) -> list[ReadingLike]:
    """The readings that may raise or clear a process alarm: good quality, finite value."""
    return [r for r in readings if r.quality == "good" and math.isfinite(r.value)]


def fmt_value(v: float | None) -> str:
    """A measured value in a message: four significant digits, pt-BR (core.fmt)."""
    if v is None:
        return "-"
    return fmt.number(float(f"{v:.4g}"), None)


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
