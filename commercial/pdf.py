"""Drawing primitives of the invoice PDF (`commercial.invoice_pdf` lays out the blocks):
page size and colours, text measured with reportlab (cached: most strings recur on every
invoice of a batch), text cut or wrapped to a width, the pen that draws boxes and labelled
values, the FEBRABAN barcode (Interleaved 2 of 5, vector bars) and the PIX QR code.

Pure: imports no Flask and no database, so worker processes can render without the app.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth as _string_width

from core import fmt
from render.barcodes import i25
from render.barcodes.qr import qr_matrix
from render.pdf.writer import Page

# Most strings of an invoice recur on every invoice of the batch (labels, words of the
# messages and of the consumer information): measuring each once saves a third of the time.
stringWidth = lru_cache(maxsize=16_384)(_string_width)

W, H = 210 * mm, 297 * mm
M = 10 * mm  # margin
BLUE = colors.HexColor("#0b4f8a")
LIGHT = colors.HexColor("#e8f0f8")
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#9aa7b4")
OK = colors.HexColor("#1d7a3a")
BAD = colors.HexColor("#b3261e")
WARN = colors.HexColor("#8a5a00")

VERDICT_TEXT = {"conforme": "Conforme", "nao_conforme": "Não conforme",
                "sem_dados": "Sem dados", "indeterminado": "Em apuração",
                "fora_da_recomendacao": "Fora da faixa recomendada"}


def number_as_printed(value: Any, places: int = 0) -> str:
    """A number as the invoice has always printed it: the value as a float rounded to
    `places` (round half-even on the binary value: a price of 1,2450 shows 1,24), in pt-BR
    by core.fmt; "-" when missing."""
    return fmt.number(None if value in (None, "") else round(float(value), places), places,
                      empty="-")


def money_as_printed(value: Any) -> str:
    """R$ with two decimals, rounded as `number_as_printed`; a missing value prints R$ 0,00."""
    return fmt.money(0.0 if value in (None, "") else round(float(value), 2))


def date_as_printed(iso: str | None) -> str:
    return fmt.date(iso, empty="-")


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` (a few width measurements, not one per char)."""
    w = stringWidth(text, font, size)
    if w <= width:
        return text
    n = max(0, int(len(text) * width / w))
    while n > 0 and stringWidth(text[:n] + "…", font, size) > width:
        n -= 1 if n < 8 else max(1, n // 20)
    return text[:n].rstrip() + "…"


@lru_cache(maxsize=4096)
def _wrap_cached(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    return tuple(_wrap_text(text, font, size, width, max_lines))


def wrap(text: str, font: str, size: float, width: float, max_lines: int = 3) -> list[str]:
    """`text` in lines of at most `width`, the last one cut with an ellipsis."""
    return list(_wrap_cached(text, font, size, width, max_lines))


def _wrap_text(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    words = text.split()
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0.0
    used = 0
    for w in words:
        ww = stringWidth(w, font, size)
        if cur and cur_w + space + ww > width:
            lines.append(" ".join(cur))
            if len(lines) == max_lines:
                break
            cur, cur_w = [w], ww
        else:
            cur_w = cur_w + space + ww if cur else ww
            cur.append(w)
        used += 1
    else:
        if cur:
            lines.append(" ".join(cur))
    if len(lines) == max_lines and used < len(words):
        lines[-1] = fit(lines[-1] + " …", font, size, width)
    return lines


class Pen:
    """Draws shapes straight on the page; every string goes into ONE text object painted
    over the shapes (the shapes never cover text on this layout)."""

    def __init__(self, c: Page) -> None:
        self.c = c

    def text(self, x: float, y: float, s: str, size: float = 8, bold: bool = False,
             color: Any = colors.black, align: str = "left", width: float | None = None) -> None:
        font = "Helvetica-Bold" if bold else "Helvetica"
        if width is not None:
            s = fit(s, font, size, width)
        if align != "left":
            w = stringWidth(s, font, size)
            x = x - w if align == "right" else x - w / 2
        self.c.text(x, y, s, font, size, color)

    def box(self, x: float, y: float, w: float, h: float, title: str | None = None,
            fill: Any = None) -> None:
        c = self.c
        c.setLineWidth(0.5)
        c.setStrokeColor(LINE)
        if fill is not None:
            c.setFillColor(fill)
            c.roundRect(x, y, w, h, 2 * mm, stroke=1, fill=1)
        else:
            c.roundRect(x, y, w, h, 2 * mm, stroke=1, fill=0)
        if title:
            c.setFillColor(BLUE)
            c.roundRect(x, y + h - 5 * mm, w, 5 * mm, 2 * mm, stroke=0, fill=1)
            c.rect(x, y + h - 5 * mm, w, 2.5 * mm, stroke=0, fill=1)
            self.text(x + 2 * mm, y + h - 3.6 * mm, title, 7.5, True, colors.white)

    def label_value(self, x: float, y: float, label: str, value: str, w: float,
                    size: float = 8.5, bold: bool = True) -> None:
        self.text(x, y + 3.3 * mm + max(0.0, size - 9.5) * 0.25 * mm, label, 6, False, GREY)
        self.text(x, y, value, size, bold, width=w)


_DARK_TO_GREY = bytes([255, 0] + [255] * 254)
def barcode(c: Page, code: str, x: float, y: float, width: float, height: float) -> None:
    """The FEBRABAN barcode as vector bars (FEBRABAN: 103 mm x 13 mm, narrow:wide 1:3)."""
    c.setFillColor(colors.black)
    c.bars(i25.modules(code), x, y, width, height)


def qr(c: Page, payload: str, x: float, y: float, size: float) -> None:
    """The PIX QR code as a tiny greyscale image, one pixel per module (PDF viewers scale it
    without smoothing), encoded by `render.barcodes.qr` (~0.3 ms instead of segno's ~2.5 ms)."""
    n, flat = qr_matrix(payload)
    quiet = 2
    side = n + 2 * quiet
    pad_row = b"\xff" * side
    rows = [pad_row] * quiet
    grey = flat.translate(_DARK_TO_GREY)
    edge = b"\xff" * quiet
    for r in range(n):
        rows.append(edge + grey[r * n:(r + 1) * n] + edge)
    rows.extend([pad_row] * quiet)
    c.image(b"".join(rows), side, side, x, y, size, size)
