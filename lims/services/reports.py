"""LIMS services: reports."""
