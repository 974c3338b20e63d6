"""Barcode symbols as modules (bars, grids), drawn by the PDF / PNG / ZPL renderers."""
