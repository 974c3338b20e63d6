"""LIMS views: registry."""
