"""LIMS models: results."""
