"""Code128 symbol patterns from python-barcode, drawn by our own PDF / PNG / ZPL renderers."""

from __future__ import annotations

import functools

import barcode

from render.barcodes.runs import dark_runs

QUIET_ZONE_MODULES = 10  # ISO/IEC 15417: at least 10 modules of white on each side


@functools.lru_cache(maxsize=4096)
def modules(code: str) -> str:
    """The bar pattern of `code`, one character per module ('1' bar, '0' space), without the
    quiet zones. python-barcode picks the shortest mix of code sets A/B/C."""
    return barcode.get_barcode_class("code128")(code).build()[0]


def bars(code: str) -> list[tuple[int, int]]:
    """(start module, width in modules) of each dark bar."""
    return dark_runs(modules(code))
