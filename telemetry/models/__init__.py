"""Telemetry models; importing this package registers them all."""

from telemetry.models import tags, anomalies  # noqa: F401
