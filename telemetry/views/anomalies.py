"""Telemetry views: anomalies."""
