"""DataMatrix (ECC 200) symbols from libdmtx through pylibdmtx, as a grid of modules drawn by
our own PDF / PNG renderers; ZPL printers draw theirs (^BX)."""

from __future__ import annotations

import functools

from render.barcodes.runs import dark_runs

QUIET_ZONE_MODULES = 1  # ISO/IEC 16022: a quiet zone of at least one module on every side
_MODULE_PX, _MARGIN_PX = 5, 10  # libdmtx's encoder defaults (its image, sampled below)


@functools.lru_cache(maxsize=4096)
def matrix(code: str) -> tuple[str, ...]:
    """The symbol's rows, one character per module ('1' dark, '0' light), without the quiet
    zone; libdmtx picks the smallest square size that holds `code`."""
    from pylibdmtx import pylibdmtx  # why: libdmtx loads on first use

    enc = pylibdmtx.encode(code.encode("ascii"), size="SquareAuto")
    stride = enc.width * enc.bpp // 8
    step = enc.bpp // 8
    n_cols = (enc.width - 2 * _MARGIN_PX) // _MODULE_PX
    n_rows = (enc.height - 2 * _MARGIN_PX) // _MODULE_PX
    rows = []
    for r in range(n_rows):
        y = _MARGIN_PX + r * _MODULE_PX + _MODULE_PX // 2
        row = []
        for c in range(n_cols):
            x = _MARGIN_PX + c * _MODULE_PX + _MODULE_PX // 2
            row.append("1" if enc.pixels[y * stride + x * step] < 128 else "0")
        rows.append("".join(row))
    return tuple(rows)


def runs(code: str) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    return [(r, start, n) for r, row in enumerate(matrix(code)) for start, n in dark_runs(row)]
