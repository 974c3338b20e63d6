"""LIMS views: reception."""
