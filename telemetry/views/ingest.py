"""Telemetry views: ingest."""
