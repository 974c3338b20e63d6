"""portal_publico.api (to be filled by the area)."""
