"""Telemetry models; importing this package registers them all."""

from telemetry.models import anomalies, tags  # noqa: F401
