"""LIMS services: results."""
