"""LIMS views: samples."""
