"""Periodic jobs of the portal (see saae/worker.py BEAT)."""

from __future__ import annotations


def refresh_summaries(months: int = 13) -> int:
    """Recompute and cache the monthly summaries of the last `months` months of every system,
    so no citizen waits for the LIMS computation; returns the summaries stored."""
    from portal_publico import services

    return services.refresh(months)
