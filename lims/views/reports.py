"""LIMS views: reports."""
