"""Labels as ZPL II for Zebra (and ZPL-compatible Elgin / Argox) thermal printers."""

from __future__ import annotations

from collections.abc import Iterable

from labels.code128 import QUIET_ZONE_MODULES, modules
from labels.spec import LabelSpec

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;/-+()#*=%!?'\"@&$<>[]{}|")


def _field(text: str) -> str:
    """Field data for ^FH\\: '^', '~', '\\' and non-ASCII go as \\hh escapes of their UTF-8."""
    return "".join(c if c in _SAFE else "".join(f"\\{b:02X}" for b in c.encode()) for c in text)


def render_zpl(specs: Iterable[LabelSpec], *, width_mm: float = 50, height_mm: float = 30,
               dpi: int = 203, copies: int = 1) -> str:
    """One ^XA...^XZ block per label; ^BC (Code128, automatic mode) plus centred text."""
    dots = dpi / 25.4
    pw, ll = round(width_mm * dots), round(height_mm * dots)
    pad = round(2 * dots)
    k = height_mm / 30
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
