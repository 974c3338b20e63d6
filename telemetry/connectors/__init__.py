"""Connectors: one small interface, one class per protocol, pure converters."""
