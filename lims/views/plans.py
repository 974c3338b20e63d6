"""LIMS views: plans."""
