"""LIMS services: validation."""
