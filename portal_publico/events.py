"""portal_publico.events (to be filled by the area)."""
