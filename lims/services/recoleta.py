"""LIMS services: recoleta."""
