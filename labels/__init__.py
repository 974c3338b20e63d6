"""Barcode labels: rendering (Code128, PDF sheets, ZPL) and reading codes from images.

Knows no domain: callers pass label specs."""
