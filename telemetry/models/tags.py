"""Telemetry models: assets, tags, connector state, embedded readings table."""
