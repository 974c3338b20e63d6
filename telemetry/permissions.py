"""Permissions of telemetry: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {}
