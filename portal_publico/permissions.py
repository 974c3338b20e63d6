"""Permissions of portal_publico: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {}
