"""portal_publico.tasks (to be filled by the area)."""
