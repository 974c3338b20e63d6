"""LIMS views: validation."""
