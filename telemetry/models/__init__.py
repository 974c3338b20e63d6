"""Telemetry models; importing this package registers them all."""

from telemetry.models import anomalies, shelving, tags  # noqa: F401
