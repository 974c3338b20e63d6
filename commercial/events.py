"""commercial.events (to be filled by the area)."""
