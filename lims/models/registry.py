"""LIMS models: registry."""
