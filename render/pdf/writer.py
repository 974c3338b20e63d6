"""A minimal PDF writer for the invoice batch: vector shapes, text in the standard Helvetica
fonts (WinAnsiEncoding, not embedded: every PDF reader has them) and greyscale images.

Why not reportlab's canvas: the batch must render 25,000 invoices in well under two minutes
on two shared cores, and reportlab spends ~10 ms per page building its object graph. Writing
the few PDF operators the invoice needs straight into a byte string takes ~1 ms. Widths still
come from reportlab's font metrics (`stringWidth`), so what is measured is what is drawn.

The subset of the reportlab canvas API the invoice uses is kept (setFillColor, roundRect,
rect, line, setDash ...), with `text()` collecting strings into one text object painted over
the shapes of the page.
"""

from __future__ import annotations

import unicodedata
import zlib
from functools import lru_cache
from typing import Any

_KAPPA = 0.5522847498

_ROUND_RECT = ("%.2f %.2f m %.2f %.2f l %.2f %.2f %.2f %.2f %.2f %.2f c %.2f %.2f l "
               "%.2f %.2f %.2f %.2f %.2f %.2f c %.2f %.2f l %.2f %.2f %.2f %.2f %.2f %.2f c "
               "%.2f %.2f l %.2f %.2f %.2f %.2f %.2f %.2f c h ")

FONTS = {"Helvetica": "F1", "Helvetica-Bold": "F2", "ZapfDingbats": "F3"}

# Characters outside WinAnsi that a pt-BR invoice may carry, mapped to a close WinAnsi text.
_FALLBACK = {"≤": "<=", "≥": ">=", "✂": "", "−": "-", "→": "->", "✓": "v", "ẽ": "e",
             "\u00a0": " ", "\u2009": " ", "\u202f": " "}


def _num(v: float) -> str:
    return f"{v:.2f}"


def _rgb(color: Any) -> tuple[float, float, float]:
    if isinstance(color, tuple):
        return color  # type: ignore[return-value]
    return (color.red, color.green, color.blue)


@lru_cache(maxsize=16_384)
def encode_text(s: str) -> bytes:
    """A PDF literal string body in WinAnsiEncoding (cp1252), escaped (cached: most strings
    of an invoice recur on every invoice)."""
    try:
        raw = s.encode("cp1252")
    except UnicodeEncodeError:
        out = []
        for ch in s:
            try:
                ch.encode("cp1252")
                out.append(ch)
            except UnicodeEncodeError:
                rep = _FALLBACK.get(ch)
                if rep is None:
                    rep = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?"
                out.append(rep)
        raw = "".join(out).encode("cp1252", "replace")
    if b"(" in raw or b")" in raw or b"\\" in raw or b"\r" in raw or b"\n" in raw:
        raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)").replace(
            b"\r", b"\\r").replace(b"\n", b" ")
    return raw


class Page:
    """One page: drawing operators and the strings painted over them."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.ops: list[str] = []
        self.texts: list[bytes] = []
        self.images: list[tuple[int, int, bytes]] = []  # (w px, h px, grey bytes)
        self._fill: tuple[float, float, float] | None = None
        self._stroke: tuple[float, float, float] | None = None
        self._tfont: tuple[str, float] | None = None
        self._tcolor: Any = None

    # -- state --------------------------------------------------------------------------
    def setFillColor(self, color: Any) -> None:  # noqa: N802  reportlab's name
        rgb = _rgb(color)
        if rgb != self._fill:
            self.ops.append(f"{_num(rgb[0])} {_num(rgb[1])} {_num(rgb[2])} rg")
            self._fill = rgb

    def setStrokeColor(self, color: Any) -> None:  # noqa: N802
        rgb = _rgb(color)
        if rgb != self._stroke:
            self.ops.append(f"{_num(rgb[0])} {_num(rgb[1])} {_num(rgb[2])} RG")
            self._stroke = rgb

    def setLineWidth(self, w: float) -> None:  # noqa: N802
        self.ops.append(f"{_num(w)} w")

    def setDash(self, on: float | None = None, off: float | None = None) -> None:  # noqa: N802
        self.ops.append(f"[{_num(on)} {_num(off if off is not None else on)}] 0 d" if on else "[] 0 d")

    # -- shapes -------------------------------------------------------------------------
    @staticmethod
    def _paint(stroke: int, fill: int) -> str:
        return "B" if stroke and fill else "f" if fill else "S" if stroke else "n"

    def rect(self, x: float, y: float, w: float, h: float, stroke: int = 1, fill: int = 0) -> None:
        self.ops.append(f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re {self._paint(stroke, fill)}")

    def roundRect(self, x: float, y: float, w: float, h: float, r: float,  # noqa: N802
                  stroke: int = 1, fill: int = 0) -> None:
        k = r * _KAPPA
        x2, y2 = x + w, y + h
        self.ops.append(_ROUND_RECT % (
            x + r, y, x2 - r, y,
            x2 - r + k, y, x2, y + r - k, x2, y + r,
            x2, y2 - r, x2, y2 - r + k, x2 - r + k, y2, x2 - r, y2,
            x + r, y2, x + r - k, y2, x, y2 - r + k, x, y2 - r,
            x, y + r, x, y + r - k, x + r - k, y, x + r, y) + self._paint(stroke, fill))

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.ops.append(f"{_num(x1)} {_num(y1)} m {_num(x2)} {_num(y2)} l S")

    def bars(self, modules: bytes, x: float, y: float, width: float, height: float) -> None:
        """A row of modules (1 = bar) as filled rectangles: a crisp vector barcode."""
        unit = width / len(modules)
        parts = []
        i, n = 0, len(modules)
        while i < n:
            if modules[i]:
                j = i
                while j < n and modules[j]:
                    j += 1
                parts.append(f"{x + i * unit:.3f} {y:.2f} {(j - i) * unit:.3f} {height:.2f} re")
                i = j
            else:
                i += 1
        self.ops.append(" ".join(parts) + " f")

    def image(self, grey: bytes, w_px: int, h_px: int, x: float, y: float, w: float,
              h: float) -> None:
        """A greyscale image, one byte per pixel, drawn without smoothing."""
        self.images.append((w_px, h_px, grey))
        name = f"Im{len(self.images)}"
        self.ops.append(f"q {_num(w)} 0 0 {_num(h)} {_num(x)} {_num(y)} cm /{name} Do Q")

    # -- text ---------------------------------------------------------------------------
    def text(self, x: float, y: float, s: str, font: str, size: float, color: Any) -> None:
        t = self.texts
        if self._tfont != (font, size):
            t.append(f"/{FONTS[font]} {_num(size)} Tf".encode())
            self._tfont = (font, size)
        if color is not self._tcolor:
            rgb = _rgb(color)
            t.append(b"%.3f %.3f %.3f rg" % rgb)
            self._tcolor = color
        t.append(b"1 0 0 1 %.2f %.2f Tm (%s) Tj" % (x, y, encode_text(s)))

    def content(self) -> bytes:
        body = "\n".join(self.ops).encode()
        if self.texts:
            body += b"\nBT\n" + b"\n".join(self.texts) + b"\nET"
        return body


class Document:
    """Pages in, PDF bytes out."""

    def __init__(self, title: str = "", author: str = "") -> None:
        self.pages: list[Page] = []
        self.title, self.author = title, author

    def new_page(self, width: float, height: float) -> Page:
        p = Page(width, height)
        self.pages.append(p)
        return p

    @staticmethod
    def _info_string(s: str) -> bytes:
        return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode() + b">"

    def tobytes(self) -> bytes:
        objs: list[bytes] = []  # object n is objs[n - 1]

        def add(body: bytes) -> int:
            objs.append(body)
            return len(objs)

        add(b"")  # 1 catalog, filled below
        add(b"")  # 2 pages
        fonts = {
            "F1": add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                      b"/Encoding /WinAnsiEncoding >>"),
            "F2": add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
                      b"/Encoding /WinAnsiEncoding >>"),
            "F3": add(b"<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>"),
        }
        font_res = b" ".join(b"/%s %d 0 R" % (k.encode(), v) for k, v in fonts.items())
        kids = []
        for page in self.pages:
            xobjs = []
            for i, (w, h, grey) in enumerate(page.images, start=1):
                data = zlib.compress(grey, 1)
                n = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
                        b"/DeviceGray /BitsPerComponent 8 /Interpolate false /Filter /FlateDecode "
                        b"/Length %d >>\nstream\n%s\nendstream" % (w, h, len(data), data))
                xobjs.append(b"/Im%d %d 0 R" % (i, n))
            data = zlib.compress(page.content(), 3)
            content = add(b"<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
                          % (len(data), data))
            res = b"<< /Font << " + font_res + b" >>"
            if xobjs:
                res += b" /XObject << " + b" ".join(xobjs) + b" >>"
            res += b" >>"
            kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources %s "
                            b"/Contents %d 0 R >>" % (_num(page.width).encode(),
                                                      _num(page.height).encode(), res, content)))
        objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
        objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % k for k in kids), len(kids))
        info = add(b"<< /Title %s /Author %s /Producer (SAAE comercial) >>"
                   % (self._info_string(self.title), self._info_string(self.author)))
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objs) + 1, info, xref)
        return bytes(out)
