"""LIMS services: routes."""
