"""commercial.handlers (to be filled by the area)."""
