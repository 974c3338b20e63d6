"""Labels as ZPL II for Zebra (and ZPL-compatible Elgin / Argox) thermal printers."""

from __future__ import annotations

from collections.abc import Iterable

from render.barcodes.code128 import QUIET_ZONE_MODULES, modules
from render.barcodes.datamatrix import matrix
from render.labels.spec import LabelSpec

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;/-+()#*=%!?'\"@&$<>[]{}|")


def _field(text: str) -> str:
    """Field data for ^FH\\: '^', '~', '\\' and non-ASCII go as \\hh escapes of their UTF-8."""
    return "".join(c if c in _SAFE else "".join(f"\\{b:02X}" for b in c.encode()) for c in text)


def _geometry(width_mm: float, height_mm: float,
              dpi: int) -> tuple[int, int, int, float, float]:
    """Label width and length in dots, a 2 mm padding, the type scale (1 at 30 mm), dots/mm."""
    dots = dpi / 25.4
    return round(width_mm * dots), round(height_mm * dots), round(2 * dots), height_mm / 30, dots


def render_zpl(specs: Iterable[LabelSpec], *, width_mm: float = 50, height_mm: float = 30,
               dpi: int = 203, copies: int = 1, symbology: str = "code128") -> str:
    """One ^XA...^XZ block per label; ^BC (Code128, automatic mode) plus centred text, or
    ^BX (DataMatrix ECC 200) on the left with the text on its right."""
    if symbology == "datamatrix":
        return _datamatrix_zpl(specs, width_mm, height_mm, dpi, copies)
    pw, ll, pad, k, _dots = _geometry(width_mm, height_mm, dpi)
    title_h, code_h, small_h = round(22 * k), round(26 * k), round(18 * k)
    blocks = []
    for spec in specs:
        out = ["^XA", "^CI28", f"^PW{pw}", f"^LL{ll}", "^LH0,0"]
        y = pad
        for line in spec.title[:2]:
            out.append(f"^FO{pad},{y}^A0N,{title_h},{title_h}^FB{pw - 2 * pad},1,0,C"
                       f"^FH\\^FD{_field(line)}^FS")
            y += title_h + 2
        n = len(modules(spec.code))
        module = max(1, min(3, (pw - 2 * pad) // (n + 2 * QUIET_ZONE_MODULES)))
        bar_h = ll - y - pad - code_h - small_h * min(len(spec.lines), 2) - 8
        x = max(0, (pw - n * module) // 2)
        out.append(f"^BY{module},3,{bar_h}")
        out.append(f"^FO{x},{y + 2}^BCN,{bar_h},N,N,N,A^FH\\^FD{_field(spec.code)}^FS")
        y += bar_h + 6
        out.append(f"^FO{pad},{y}^A0N,{code_h},{code_h}^FB{pw - 2 * pad},1,0,C"
                   f"^FH\\^FD{_field(spec.code)}^FS")
        y += code_h
        for line in spec.lines[:2]:
            out.append(f"^FO{pad},{y}^A0N,{small_h},{small_h}^FB{pw - 2 * pad},1,0,C"
                       f"^FH\\^FD{_field(line)}^FS")
            y += small_h
        if copies > 1:
            out.append(f"^PQ{copies}")
        out.append("^XZ")
        blocks.append("\n".join(out))
    return "\n".join(blocks) + "\n"


def _datamatrix_zpl(specs: Iterable[LabelSpec], width_mm: float, height_mm: float, dpi: int,
                    copies: int) -> str:
    pw, ll, pad, k, dots = _geometry(width_mm, height_mm, dpi)
    title_h, code_h, small_h = round(20 * k), round(24 * k), round(17 * k)
    blocks = []
    for spec in specs:
        n = len(matrix(spec.code))
        side = min(ll - 2 * pad, int((pw - 2 * pad) * 0.42))
        module = max(2, side // (n + 2))
        y0 = (ll - n * module) // 2
        left = pad + side + round(dots)
        text_w = pw - left - pad
        out = ["^XA", "^CI28", f"^PW{pw}", f"^LL{ll}", "^LH0,0",
               f"^FO{pad + module},{y0}^BXN,{module},200^FH\\^FD{_field(spec.code)}^FS"]
        rows = [(t, title_h) for t in spec.title[:2]] + [(spec.code, code_h)] \
            + [(t, small_h) for t in spec.lines[:2]]
        y = max(pad, (ll - sum(h + 2 for _, h in rows)) // 2)
        for text, h in rows:
            if y + h > ll - pad:
                break
            out.append(f"^FO{left},{y}^A0N,{h},{h}^FB{text_w},1,0,L^FH\\^FD{_field(text)}^FS")
            y += h + 2
        if copies > 1:
            out.append(f"^PQ{copies}")
        out.append("^XZ")
        blocks.append("\n".join(out))
    return "\n".join(blocks) + "\n"
