"""Label specs and sheet layouts: plain frozen data, no rendering."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelSpec:
    """What goes on one label: the code (encoded as Code128 and printed under the bars),
    up to two bold title lines above the bars and a few small text lines under the code."""

    code: str
    title: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.code or not self.code.strip():
            raise ValueError("label code must not be empty")
        if any(ord(c) > 127 for c in self.code):
            raise ValueError("label code must be ASCII (Code128 sets A/B/C)")
        # accept lists from callers, keep the dataclass hashable
        object.__setattr__(self, "title", tuple(self.title))
        object.__setattr__(self, "lines", tuple(self.lines))


@dataclass(frozen=True)
class SheetLayout:
    """A grid of labels on a page, all sizes in millimetres."""

    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 1.5  # inner white margin of each label

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Top-left corner (mm, from the page's top-left) of label `slot` (0-based, row-major)."""
        row, col = divmod(slot % self.per_page, self.columns)
        x = self.margin_left + col * (self.label_width + self.gap_x)
        y = self.margin_top + row * (self.label_height + self.gap_y)
        return x, y

    def __post_init__(self) -> None:
        right = self.margin_left + self.columns * self.label_width + (self.columns - 1) * self.gap_x
        bottom = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
        if right > self.page_width + 0.01 or bottom > self.page_height + 0.01:
            raise ValueError(f"layout {self.name!r} does not fit on its page")


# A4 label paper, 3 columns x 10 rows of 66 x 28 mm (Pimaco-like "A4 30 etiquetas").
A4_3X10 = SheetLayout(
    name="A4 3x10 (66 x 28 mm)", page_width=210, page_height=297, columns=3, rows=10,
    label_width=66, label_height=28, margin_left=6, margin_top=8.5, gap_x=3, gap_y=0,
)

# Thermal roll, one 50 x 30 mm label per page (Zebra / Elgin / Argox desktop printers).
THERMAL_50X30 = SheetLayout(
    name="Térmica 50 x 30 mm", page_width=50, page_height=30, columns=1, rows=1,
    label_width=50, label_height=30, padding=2.0,
)
