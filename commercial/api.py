"""commercial.api (to be filled by the area)."""
