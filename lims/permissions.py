"""Permissions of lims: {code: (pt-BR label, default profiles)}."""

PERMISSIONS: dict = {}
