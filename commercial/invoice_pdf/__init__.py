"""The invoice PDF (one A4 page, drawn with `render.pdf.writer`; reportlab only measures
text), block by block: header, customer and connection, readings with the six-month bars
(`account`); the tariff table, amounts and due date, messages (`charges`); the water-quality
block and the consumer information of the Decreto 5.440 (`decree`); the payment slip with
the FEBRABAN barcode, its typed line and a PIX QR code (`slip`).

The Decreto blocks are measured first and never cut; the tariff table takes the space left
(the bands not reached go first, then row spacing) so that every applied band is printed.

Pure: takes the invoice `doc` (a JSON-able dict frozen at issue) and writes bytes. Imports no
Flask and no database, so worker processes can render without the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm

from commercial.invoice_pdf.account import draw_customer, draw_header, draw_readings
from commercial.invoice_pdf.charges import (
    Row,
    draw_amounts,
    draw_messages,
    draw_tariff_table,
    tariff_rows,
)
from commercial.invoice_pdf.decree import (
    QualityRow,
    draw_consumer_info,
    draw_quality,
    info_lines,
    quality_rows,
)
from commercial.invoice_pdf.slip import SLIP_H, draw_slip
from commercial.pdf import H, M, Pen, W, wrap
from render.pdf.writer import Document, Page


@dataclass
class Layout:
    """The heights of the variable blocks below the readings, and what goes in them."""

    quality: list[QualityRow]
    quality_h: float
    info: list[tuple[str, bool]]
    info_h: float
    messages: list[str]
    messages_h: float
    tariff: list[Row]
    row_h: float
    tariff_h: float


def plan(doc: dict[str, Any], q: dict[str, Any], top: float, bw: float) -> Layout:
    """Measure the Decreto blocks and the messages first; the tariff table gets the space
    left above the payment slip (`top` is the bottom of the readings box)."""
    q_rows, qh = quality_rows(q)
    body, ih = info_lines(doc, q, bw)
    lines: list[str] = []
    for m in doc.get("messages") or []:
        for i, ln in enumerate(wrap(m, "Helvetica", 7.2, bw - 8 * mm, 2)):
            lines.append(("• " if i == 0 else "  ") + ln)
    room = top - 2 * mm - (M + SLIP_H + 7 * mm) - 6 * mm  # three gaps of 2 mm
    tariff_min = 8 * mm + 3.4 * mm * 7 + 2 * mm
    while len(lines) > 2 and room - qh - ih - (7 * mm + 3.3 * mm * len(lines)) < tariff_min:
        lines.pop()
    mh = max(10 * mm, 7 * mm + 3.3 * mm * len(lines))
    avail = room - qh - ih - mh - 10 * mm  # for the tariff rows
    rows = tariff_rows(doc["tariff"]["lines"], max_rows=max(int(avail / (2.7 * mm)), 8))
    if len(rows) * 3.4 * mm > avail:  # the rest of the table goes first, then the spacing
        rows = [r for r in rows if r[4] != "unreached"] or rows
    rh = max(2.7 * mm, min(3.4 * mm, avail / max(len(rows), 1)))
    th = max(8 * mm + rh * len(rows) + 2 * mm, 42 * mm)
    return Layout(q_rows, qh, body, ih, lines, mh, rows, rh, th)


def draw_invoice(c: Page, doc: dict[str, Any], *, copy: bool = False) -> None:
    """Draw one invoice on the current page of `c`, top to bottom."""
    pen = Pen(c)
    q = doc.get("quality") or {}
    bw = W - 2 * M
    y = H - M - 16 * mm
    draw_header(pen, doc, y, copy)
    y -= 27 * mm
    draw_customer(pen, doc, y, bw)
    y -= 33 * mm
    draw_readings(pen, doc, y, bw)
    lay = plan(doc, q, y, bw)
    y -= lay.tariff_h + 2 * mm
    draw_tariff_table(pen, doc["tariff"], lay.tariff, lay.row_h, y, lay.tariff_h)
    draw_amounts(pen, doc, y, lay.tariff_h, bw)
    y -= lay.messages_h + 2 * mm
    draw_messages(pen, lay.messages, y, lay.messages_h, bw)
    y -= lay.quality_h + 2 * mm
    draw_quality(pen, q, lay.quality, y, lay.quality_h, bw)
    y -= lay.info_h + 2 * mm
    draw_consumer_info(pen, lay.info, y, lay.info_h, bw)
    draw_slip(pen, doc, bw)


def render_invoice(doc: dict[str, Any], *, copy: bool = False) -> bytes:
    pdf = Document(title=f"Fatura {doc['number']}" + (" (2a via)" if copy else ""),
                   author=doc["utility"].get("short_name") or "SAAE")
    draw_invoice(pdf.new_page(W, H), doc, copy=copy)
    return pdf.tobytes()


def write_invoice(doc: dict[str, Any], path: str | Path, *, copy: bool = False) -> int:
    data = render_invoice(doc, copy=copy)
    Path(path).write_bytes(data)
    return len(data)


def render_many(docs: list[dict[str, Any]], path: str | Path) -> int:
    """Several invoices in one PDF (the print file for the print shop)."""
    pdf = Document(title="Arquivo de impressão de faturas")
    for d in docs:
        draw_invoice(pdf.new_page(W, H), d)
    Path(path).write_bytes(pdf.tobytes())
    return len(docs)


def render_chunk(args: tuple[list[tuple[str, dict[str, Any]]], str | None]) -> tuple[int, int]:
    """Worker entry point: write each (path, doc) and, when given, also all of them in one
    multi-page PDF. Returns (invoices written, bytes)."""
    items, print_path = args
    total = 0
    for path, doc in items:
        total += write_invoice(doc, path)
    if print_path:
        render_many([d for _p, d in items], print_path)
    return len(items), total
