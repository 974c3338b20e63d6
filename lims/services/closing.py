"""LIMS services: closing."""
