"""portal_publico models."""
