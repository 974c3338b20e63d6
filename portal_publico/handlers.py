"""portal_publico.handlers (to be filled by the area)."""
