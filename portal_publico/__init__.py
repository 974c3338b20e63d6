"""The citizens' public website and open data (read-only over the areas' api)."""
