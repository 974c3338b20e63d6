"""LIMS services: reception."""
