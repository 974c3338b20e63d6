"""LIMS models: catalogue."""
