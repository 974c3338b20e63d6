"""Pure rules of the standard (no Flask, no SQLAlchemy), one module per subject."""
