"""LIMS models: closing."""
