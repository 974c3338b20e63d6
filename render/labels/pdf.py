"""Label sheets as PDF (reportlab): vector bars, Helvetica text, any SheetLayout."""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from render.labels.layout import PT, Bars, Matrix, Text, layout
from render.labels.spec import LabelSpec, SheetLayout

FONTS = {False: "Helvetica", True: "Helvetica-Bold"}


def _measure(text: str, size: float, bold: bool) -> float:
    return stringWidth(text, FONTS[bold], size) * PT


def draw_label(c: Canvas, spec: LabelSpec, left: float, top: float, width: float,
               height: float, padding: float, page_height: float,
               symbology: str = "code128") -> None:
    """Draw one label with its top-left corner at (left, top) mm from the page's top-left."""
    for op in layout(spec, width, height, padding, _measure, symbology):
        if isinstance(op, Text):
            c.setFont(FONTS[op.bold], op.size)
            c.drawString((left + op.x) * mm, (page_height - top - op.baseline) * mm, op.text)
        elif isinstance(op, Bars):
            bottom = (page_height - top - op.top - op.height) * mm
            path = c.beginPath()
            for start, n in op.bars:
                path.rect((left + op.x + start * op.module) * mm, bottom,
                          n * op.module * mm, op.height * mm)
            c.drawPath(path, stroke=0, fill=1)
        elif isinstance(op, Matrix):
            path = c.beginPath()
            for row, col, n in op.runs:
                path.rect((left + op.x + col * op.module) * mm,
                          (page_height - top - op.top - (row + 1) * op.module) * mm,
                          n * op.module * mm, op.module * mm)
            c.drawPath(path, stroke=0, fill=1)


def render_sheet(specs: Iterable[LabelSpec], sheet: SheetLayout, *, skip: int = 0,
                 outline: bool = False, title: str = "Etiquetas") -> bytes:
    """All labels on as many pages as needed; `skip` leaves the first slots of the first page
    empty (a partly used sheet); `outline` draws thin cut guides."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(sheet.page_width * mm, sheet.page_height * mm), pageCompression=1)
    c.setTitle(title)
    c.setCreator("saae labels")
    slot = max(0, skip) % sheet.per_page
    drawn = 0
    for spec in specs:
        if drawn and slot % sheet.per_page == 0:
            c.showPage()
        x, y = sheet.origin(slot)
        if outline:
            c.setStrokeGray(0.75)
            c.setLineWidth(0.3)
            c.rect(x * mm, (sheet.page_height - y - sheet.label_height) * mm,
                   sheet.label_width * mm, sheet.label_height * mm, stroke=1, fill=0)
        c.setFillGray(0)
        draw_label(c, spec, x, y, sheet.label_width, sheet.label_height, sheet.padding,
                   sheet.page_height, sheet.symbology)
        slot += 1
        drawn += 1
    if not drawn:
        c.setFont("Helvetica", 9)
        c.drawString(10 * mm, (sheet.page_height - 10) * mm, "Nenhuma etiqueta.")
    c.showPage()
    c.save()
    return buf.getvalue()
