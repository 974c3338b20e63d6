"""Labels: the public interface (callers import `render.labels`, not its submodules).

Knows no domain: a caller builds `LabelSpec(code, title, lines)` and picks an output:

- `render_sheet_pdf(specs, layout=A4_3X10)`: A4 label paper (any `SheetLayout`);
- `render_thermal_pdf(specs)`: a 50 x 30 mm roll, one label per page;
- `render_zpl(specs)`: ZPL II for Zebra printers;
- `render_label_png(spec)` / `render_barcode_png(code)` / `render_datamatrix_png(code)`:
  images for screens and tests;
- `decode(image_bytes) -> list[str]`: codes read from a photo (pyzbar, then pylibdmtx);
- `check_image(image_bytes)`: format and size from the header, refusing decompression bombs.

Each `SheetLayout` says its symbology (tender 002, 7.12: Code128 or DataMatrix); `LAYOUTS`
names every layout by the slug the screens offer.
"""

from __future__ import annotations

from collections.abc import Iterable

from render.labels import pdf as _pdf
from render.labels import png as _png
from render.labels.spec import (
    A4_3X10,
    A4_3X10_DATAMATRIX,
    A4_5X13_DATAMATRIX,
    SYMBOLOGIES,
    THERMAL_50X30,
    THERMAL_50X30_DATAMATRIX,
    LabelSpec,
    SheetLayout,
)
from render.labels.zpl import render_zpl
from render.reader import MAX_PIXELS, ImageTooLarge, UnreadableImage, check_image, decode

__all__ = [
    "A4_3X10", "A4_3X10_DATAMATRIX", "A4_5X13_DATAMATRIX", "LAYOUTS", "MAX_PIXELS",
    "SYMBOLOGIES", "THERMAL_50X30", "THERMAL_50X30_DATAMATRIX", "ImageTooLarge", "LabelSpec",
    "SheetLayout", "UnreadableImage", "check_image", "decode", "render_barcode_png",
    "render_datamatrix_png", "render_label_png", "render_sheet_pdf", "render_thermal_pdf",
    "render_zpl",
]

# slug -> layout; the thermal ones print one label per page
LAYOUTS: dict[str, SheetLayout] = {
    "a4": A4_3X10, "termica": THERMAL_50X30,
    "a4-datamatrix": A4_3X10_DATAMATRIX, "a4-65-datamatrix": A4_5X13_DATAMATRIX,
    "termica-datamatrix": THERMAL_50X30_DATAMATRIX,
}


def render_sheet_pdf(specs: Iterable[LabelSpec], layout: SheetLayout = A4_3X10, *,
                     skip: int = 0, outline: bool = False, title: str = "Etiquetas") -> bytes:
    """A PDF of label sheets; `skip` leaves the first slots empty (a partly used sheet)."""
    return _pdf.render_sheet(specs, layout, skip=skip, outline=outline, title=title)


def render_thermal_pdf(specs: Iterable[LabelSpec], layout: SheetLayout = THERMAL_50X30, *,
                       title: str = "Etiquetas") -> bytes:
    """A PDF for a thermal roll: one label per page, the page being the label."""
    return _pdf.render_sheet(specs, layout, title=title)


def render_label_png(spec: LabelSpec, *, width_mm: float = 50, height_mm: float = 30,
                     dpi: int = 300, symbology: str = "code128") -> bytes:
    """One label as a PNG (same layout as the PDFs)."""
    return _png.render_label(spec, width_mm=width_mm, height_mm=height_mm, dpi=dpi,
                             symbology=symbology)


def render_datamatrix_png(code: str, *, module_px: int = 8) -> bytes:
    """A bare DataMatrix symbol with its quiet zone."""
    return _png.render_datamatrix(code, module_px=module_px)


def render_barcode_png(code: str, *, module_px: int = 3, height_px: int = 120,
                       text: bool = True) -> bytes:
    """A bare Code128 symbol with quiet zones and, optionally, the code under it."""
    return _png.render_barcode(code, module_px=module_px, height_px=height_px, text=text)
