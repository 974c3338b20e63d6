"""Permissions of commercial: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {}
