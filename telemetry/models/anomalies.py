"""Telemetry models: anomalies."""
