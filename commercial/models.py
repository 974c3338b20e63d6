"""commercial models."""
