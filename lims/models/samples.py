"""LIMS models: samples."""
