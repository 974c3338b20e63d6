"""portal_publico.services (to be filled by the area)."""
