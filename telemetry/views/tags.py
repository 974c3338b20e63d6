"""Telemetry views: tags."""
