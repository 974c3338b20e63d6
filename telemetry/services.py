"""telemetry.services (to be filled by the area)."""
