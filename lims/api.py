"""lims.api (to be filled by the area)."""
