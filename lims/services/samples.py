"""LIMS services: samples."""
