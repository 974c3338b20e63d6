"""Commercial use cases, one module per feature; the only code in the area that commits."""
