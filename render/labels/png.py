"""Labels and bare barcodes as PNG (Pillow), for screens, phones and tests."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw, ImageFont

from render.barcodes import datamatrix
from render.barcodes.code128 import QUIET_ZONE_MODULES, bars, modules
from render.labels.layout import PT, Bars, Matrix, Text, layout
from render.labels.spec import LabelSpec

_FONT_FILES = {
    False: ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "LiberationSans-Regular.ttf", "Arial.ttf"),
    True: ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
           "LiberationSans-Bold.ttf", "Arial Bold.ttf"),
}


@functools.lru_cache(maxsize=64)
def _font(px: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in _FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, px)
        except OSError:
            continue
    return ImageFont.load_default(size=px)  # Pillow's bundled font: never missing


def _px(size_pt: float, dpi: int) -> int:
    return max(6, round(size_pt * PT / 25.4 * dpi))


def render_label(spec: LabelSpec, *, width_mm: float = 50, height_mm: float = 30,
                 padding_mm: float = 2.0, dpi: int = 300, symbology: str = "code128") -> bytes:
    """One label as a PNG at `dpi` (default: a 50 x 30 mm thermal label)."""
    scale = dpi / 25.4

    def measure(text: str, size: float, bold: bool) -> float:
        return _font(_px(size, dpi), bold).getlength(text) / scale

    img = Image.new("L", (round(width_mm * scale), round(height_mm * scale)), 255)
    draw = ImageDraw.Draw(img)
    for op in layout(spec, width_mm, height_mm, padding_mm, measure, symbology):
        if isinstance(op, Text):
            draw.text((op.x * scale, op.baseline * scale), op.text, fill=0,
                      font=_font(_px(op.size, dpi), op.bold), anchor="ls")
        elif isinstance(op, Bars):
            top, bottom = op.top * scale, (op.top + op.height) * scale
            for start, n in op.bars:
                x0 = (op.x + start * op.module) * scale
                x1 = (op.x + (start + n) * op.module) * scale
                draw.rectangle((round(x0), round(top), round(x1) - 1, round(bottom)), fill=0)
        elif isinstance(op, Matrix):
            for row, col, n in op.runs:
                x0, y0 = (op.x + col * op.module) * scale, (op.top + row * op.module) * scale
                x1, y1 = x0 + n * op.module * scale, y0 + op.module * scale
                draw.rectangle((round(x0), round(y0), round(x1) - 1, round(y1) - 1), fill=0)
    return _png(img, dpi)


def render_datamatrix(code: str, *, module_px: int = 8) -> bytes:
    """A bare DataMatrix symbol with a two-module quiet zone."""
    grid = datamatrix.matrix(code)
    quiet = 2 * module_px
    img = Image.new("L", (len(grid[0]) * module_px + 2 * quiet, len(grid) * module_px + 2 * quiet),
                    255)
    draw = ImageDraw.Draw(img)
    for row, col, n in datamatrix.runs(code):
        x, y = quiet + col * module_px, quiet + row * module_px
        draw.rectangle((x, y, x + n * module_px - 1, y + module_px - 1), fill=0)
    return _png(img, 72 * module_px)


def render_barcode(code: str, *, module_px: int = 3, height_px: int = 120,
                   text: bool = True) -> bytes:
    """A bare Code128 symbol with its quiet zones, crisp at integer module widths."""
    pattern = modules(code)
    quiet = QUIET_ZONE_MODULES * module_px
    font = _font(max(12, module_px * 8), True)
    text_h = round(font.size * 1.4) if text else 0
    img = Image.new("L", (len(pattern) * module_px + 2 * quiet, height_px + text_h + 8), 255)
    draw = ImageDraw.Draw(img)
    for start, n in bars(code):
        x = quiet + start * module_px
        draw.rectangle((x, 4, x + n * module_px - 1, 4 + height_px), fill=0)
    if text:
        draw.text((img.width / 2, 4 + height_px + text_h * 0.85), code, fill=0, font=font,
                  anchor="ms")
    return _png(img, 72 * module_px)


def _png(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()
