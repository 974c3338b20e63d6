"""Greedy label placement for the maps: each text tries candidate positions around its anchor
(the preferred one first, then the eight around the mark, then farther ones joined to the mark
by a leader line) and takes the first whose box stays inside the map and meets no box already
taken (marks, the scale bar, the legend, the labels placed before it). A text with no free
position is left out (`None`): the caller lists it instead. Pure geometry, no markup.

Text boxes are estimated from the characters (no font metrics on the server): the widths are
a little generous for the sans-serif faces the pages use, so estimated boxes that do not meet
leave real glyphs apart (checked in a browser by the screenshot walk of issue 22)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# width of a character, in font sizes (bold sans-serif, rounded up)
_NARROW = set("iIl.,:;'|!()[]fjtr ")
_WIDE = set("mwMWO@%")
PAD = 1.5  # kept free around a text


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: Box) -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


@dataclass(frozen=True)
class Want:
    """A text to write near (x, y), a mark of radius `clear` (kept free)."""

    x: float
    y: float
    text: str
    size: float  # font size, in map units
    clear: float = 6
    prefer: tuple[float, float, str] | None = None  # (dx, dy, text-anchor) tried first
    bold: bool = False


@dataclass(frozen=True)
class Placed:
    x: float
    y: float
    anchor: str  # start | middle | end
    box: Box
    leader: tuple[float, float, float, float] | None = None  # from the mark's edge to the text


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Calibrated on DejaVu Sans (Debian's sans-serif, wider than system-ui faces)."""
    units = sum(0.34 if c in _NARROW else 0.92 if c in _WIDE else 0.68 if c.isupper() else 0.6
                for c in text)
    return units * size * (1.14 if bold else 1.0)


def text_box(x: float, y: float, text: str, size: float, anchor: str = "start",
             bold: bool = False) -> Box:
    """The box of a text whose baseline starts (`start`), centres or ends at (x, y)."""
    w = text_width(text, size, bold)
    x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
    return Box(x0 - PAD, y - 0.82 * size - PAD, x0 + w + PAD, y + 0.24 * size + PAD)


def mark_box(x: float, y: float, radius: float) -> Box:
    r = radius + 2  # triangles and diamonds reach one or two units past the radius
    return Box(x - r, y - r, x + r, y + r)


def _around(r: float, size: float) -> list[tuple[float, float, str]]:
    """Right, left, above, below, then the four corners, at distance r from the anchor."""
    mid = 0.3 * size  # a baseline that centres the text on the anchor
    d = r * 0.75
    return [(r, mid, "start"), (-r, mid, "end"), (0, -r - 0.3 * size, "middle"),
            (0, r + 0.85 * size, "middle"),
            (d, -d, "start"), (-d, -d, "end"), (d, d + 0.8 * size, "start"),
            (-d, d + 0.8 * size, "end")]


def candidates(want: Want) -> list[tuple[float, float, str, bool]]:
    """(dx, dy, anchor, far): near ones first; far ones take a leader line."""
    near = [*([want.prefer] if want.prefer else []), *_around(want.clear + 3, want.size)]
    out = [(dx, dy, a, False) for dx, dy, a in near]
    for k in (2.2, 3.6, 5.2):
        out += [(dx, dy, a, True) for dx, dy, a in _around(want.clear + 3 + k * want.size, want.size)]
    return out


def _leader(want: Want, box: Box) -> tuple[float, float, float, float]:
    """From the mark's edge towards the nearest point of the text's box."""
    tx, ty = min(max(want.x, box.x0), box.x1), min(max(want.y, box.y0), box.y1)
    d = math.hypot(tx - want.x, ty - want.y) or 1.0
    return (want.x + (tx - want.x) * want.clear / d, want.y + (ty - want.y) * want.clear / d,
            tx, ty)


def _free(line: tuple[float, float, float, float], busy: Sequence[Box]) -> bool:
    """A leader crosses no text and no other mark (sampled along its length)."""
    x0, y0, x1, y1 = line
    dots = [Box(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
            for t in (0.3, 0.45, 0.6, 0.75, 0.9)]
    return not any(d.x0 > b.x0 and d.x0 < b.x1 and d.y0 > b.y0 and d.y0 < b.y1
                   for d in dots for b in busy)


def place(wants: Sequence[Want], taken: Sequence[Box], bounds: Box) -> list[Placed | None]:
    """Greedy, in the order given (the most important first)."""
    busy = list(taken)
    out: list[Placed | None] = []
    for want in wants:
        got = None
        for dx, dy, anchor, far in candidates(want):
            box = text_box(want.x + dx, want.y + dy, want.text, want.size, anchor, want.bold)
            if not box.inside(bounds) or any(box.hits(b) for b in busy):
                continue
            line = _leader(want, box) if far else None
            if line is None or _free(line, busy):
                got = Placed(want.x + dx, want.y + dy, anchor, box, line)
                break
        if got is not None:
            busy.append(got.box)
        out.append(got)
    return out
