"""Telemetry's public interface (contract first; bodies filled by telemetry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    ts: dt.datetime
    value: float
    quality: str = "good"  # good | bad | uncertain


@dataclass(frozen=True)
class TagInfo:
    name: str
    description: str
    unit: str
    asset_kind: str
    asset_code: str
    asset_name: str
    sector_code: str | None
    plausible_min: float | None
    plausible_max: float | None


def tag_info(name: str) -> TagInfo | None:
    raise NotImplementedError


def tag_window(name: str, start: dt.datetime, end: dt.datetime) -> list[Point]:
    """Readings of one tag in [start, end), oldest first (for incident charts)."""
    raise NotImplementedError
