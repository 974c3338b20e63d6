"""Reference and demo data of incidents."""

import datetime as dt


def seed_reference() -> None:
    """Data every installation needs (idempotent)."""


def seed_demo(today: dt.date) -> None:
    """The demo utility's data for this area (runs after seed_reference)."""
