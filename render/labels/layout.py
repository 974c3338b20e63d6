"""One label layout, computed once in millimetres and drawn by the PDF and PNG backends.

Code128, top to bottom: bold title lines, the bars, the code in large type, small lines.
DataMatrix: the square symbol on the left, the same texts stacked on its right.
Text that does not fit is shrunk down to a floor size, then cut with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from render.barcodes import datamatrix
from render.barcodes.code128 import QUIET_ZONE_MODULES, bars, modules
from render.labels.spec import LabelSpec

PT = 25.4 / 72  # millimetres per typographic point
MAX_MODULE_MM = 0.5
MIN_MODULE_MM = 0.17  # below this, common USB scanners and phone cameras stop reading
MIN_CELL_MM = 0.25  # DataMatrix module: 0.25 mm reads with 2D imagers and phone cameras

# measure(text, size_pt, bold) -> width in mm
Measure = Callable[[str, float, bool], float]


@dataclass(frozen=True)
class Text:
    x: float  # left, mm
    baseline: float  # from the label's top, mm
    size: float  # pt
    bold: bool
    text: str


@dataclass(frozen=True)
class Matrix:
    x: float  # left of the symbol (without its quiet zone), mm
    top: float
    module: float  # side of one module, mm
    runs: tuple[tuple[int, int, int], ...]  # (row, first column, length) of dark modules


@dataclass(frozen=True)
class Bars:
    x: float  # left of the first bar, mm
    top: float
    height: float
    module: float  # width of one module, mm
    bars: tuple[tuple[int, int], ...]


def _fit(text: str, size: float, floor: float, bold: bool, width: float,
         measure: Measure) -> tuple[str, float]:
    while size > floor and measure(text, size, bold) > width:
        size = round(size - 0.25, 2)
    if measure(text, size, bold) <= width:
        return text, size
    while len(text) > 1 and measure(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


def layout(spec: LabelSpec, width: float, height: float, padding: float,
           measure: Measure, symbology: str = "code128") -> list[Text | Bars | Matrix]:
    """Drawing operations for one label of `width` x `height` mm."""
    if symbology == "datamatrix":
        return _datamatrix_layout(spec, width, height, padding, measure)
    inner_w = width - 2 * padding
    # type sizes scale with the label height (28-30 mm labels give 7 / 9 / 5.5 pt)
    k = max(0.6, min(1.6, height / 29.0))
    title_pt, code_pt, small_pt = 7.0 * k, 9.0 * k, 5.5 * k
    ops: list[Text | Bars | Matrix] = []
    y = padding

    for line in spec.title[:2]:
        text, size = _fit(line, title_pt, 5.0, True, inner_w, measure)
        y += size * PT * 1.05
        ops.append(Text(padding + (inner_w - measure(text, size, True)) / 2, y, size, True, text))
        y += size * PT * 0.2

    code_h = code_pt * PT * 1.25
    small = [(_fit(s, small_pt, 4.0, False, inner_w, measure)) for s in spec.lines[:3]]
    small_h = sum(size * PT * 1.2 for _, size in small)
    bar_h = height - padding - y - code_h - small_h - 0.6
    n = len(modules(spec.code))
    module = min(MAX_MODULE_MM, inner_w / (n + 2 * QUIET_ZONE_MODULES))
    if module < MIN_MODULE_MM:
        raise ValueError(f"code {spec.code!r} is too long for a {width:g} mm label")
    if bar_h < 4:
        raise ValueError(f"too many text lines for a {height:g} mm label")
    y += 0.6
    ops.append(Bars((width - n * module) / 2, y, bar_h, module, tuple(bars(spec.code))))
    y += bar_h

    text, size = _fit(spec.code, code_pt, 6.0, True, inner_w, measure)
    y += size * PT * 1.1
    ops.append(Text((width - measure(text, size, True)) / 2, y, size, True, text))
    y += size * PT * 0.15
    for text, size in small:
        y += size * PT * 1.15
        ops.append(Text(padding + (inner_w - measure(text, size, False)) / 2, y, size, False, text))
    return ops


def _datamatrix_layout(spec: LabelSpec, width: float, height: float, padding: float,
                       measure: Measure) -> list[Text | Bars | Matrix]:
    """The symbol as large as the label's height allows (at most 42% of its width), on the
    left; title, code and small lines on the right, vertically centred."""
    grid = datamatrix.matrix(spec.code)
    n = len(grid)
    q = datamatrix.QUIET_ZONE_MODULES
    side = min(height - 2 * padding, (width - 2 * padding) * 0.42)
    module = side / (n + 2 * q)
    if module < MIN_CELL_MM:
        raise ValueError(f"code {spec.code!r} is too long for a {width:g} x {height:g} mm label")
    ops: list[Text | Bars | Matrix] = [
        Matrix(padding + q * module, (height - n * module) / 2, module,
               tuple(datamatrix.runs(spec.code)))]
    left = padding + side + 0.8
    text_w = width - padding - left
    k = max(0.6, min(1.6, height / 29.0))
    rows: list[tuple[str, float, bool, float]] = []  # text, size, bold, line height
    for line in spec.title[:2]:
        text, size = _fit(line, 6.5 * k, 4.5, True, text_w, measure)
        rows.append((text, size, True, size * PT * 1.2))
    text, size = _fit(spec.code, 8.0 * k, 5.5, True, text_w, measure)
    rows.append((text, size, True, size * PT * 1.3))
    for line in spec.lines[:3]:
        text, size = _fit(line, 5.5 * k, 4.0, False, text_w, measure)
        rows.append((text, size, False, size * PT * 1.15))
    code_at = min(len(spec.title), 2)
    while len(rows) > 1 and sum(r[3] for r in rows) > height - 2 * padding:
        if len(rows) - 1 > code_at:
            rows.pop()  # small lines go first, from the last
        else:
            rows.pop(0)  # then the title lines; the code in clear always stays
            code_at -= 1
    y = (height - sum(r[3] for r in rows)) / 2
    for text, size, bold, h in rows:
        y += h
        ops.append(Text(left, y - h * 0.22, size, bold, text))
    return ops
