"""LIMS services: registry."""
