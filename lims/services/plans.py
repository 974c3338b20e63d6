"""LIMS services: plans."""
