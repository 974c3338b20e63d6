"""LIMS views: results."""
