"""Incidents use cases, one module per feature; the only code that commits."""
