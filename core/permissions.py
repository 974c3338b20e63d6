"""Core permissions are registered in core.auth itself."""

PERMISSIONS: dict = {}
