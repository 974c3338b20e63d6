"""incidents models."""
