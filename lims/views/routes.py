"""LIMS views: routes."""
