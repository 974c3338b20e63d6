"""LIMS views: closing."""
