"""incidents.tasks (to be filled by the area)."""
