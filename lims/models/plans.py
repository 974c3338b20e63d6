"""LIMS models: plans."""
