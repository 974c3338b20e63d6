"""Permissions of incidents: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {}
