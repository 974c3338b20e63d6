"""Reference and demo data of telemetry (the demo's own lives in telemetry.demo.seed)."""

from __future__ import annotations

from telemetry.demo.seed import seed_demo

__all__ = ["seed_demo", "seed_reference"]


def seed_reference() -> None:
    """Data every installation needs (idempotent). Telemetry needs none: assets and tags
    are the utility's own, entered by a Gestor or loaded by `seed_demo`."""
