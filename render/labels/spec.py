"""Label specs and sheet layouts: plain frozen data, no rendering."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelSpec:
    """What goes on one label: the code (encoded as Code128 or DataMatrix, as the layout
    says, and printed in clear), up to two bold title lines and a few small text lines."""

    code: str
    title: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.code or not self.code.strip():
            raise ValueError("label code must not be empty")
        if any(ord(c) > 127 for c in self.code):
            raise ValueError("label code must be ASCII (Code128 sets A/B/C, DataMatrix ASCII)")
        # accept lists from callers, keep the dataclass hashable
        object.__setattr__(self, "title", tuple(self.title))
        object.__setattr__(self, "lines", tuple(self.lines))


SYMBOLOGIES = ("code128", "datamatrix")  # tender 002, 7.12: Code128 or DataMatrix labels


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
    # code128: bars across the label, text above and below (labels 40 mm wide or more);
    # datamatrix: a square symbol beside the text, for small labels and curved tube caps
    symbology: str = "code128"

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
        if self.symbology not in SYMBOLOGIES:
            raise ValueError(f"symbology must be one of {SYMBOLOGIES}")
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

# A4 label paper, 5 columns x 13 rows of 38,1 x 21,2 mm (Pimaco-like "A4 65 etiquetas"):
# too narrow for a readable Code128 of a sample code, so DataMatrix.
A4_5X13_DATAMATRIX = SheetLayout(
    name="A4 5x13 (38,1 x 21,2 mm) DataMatrix", page_width=210, page_height=297, columns=5,
    rows=13, label_width=38.1, label_height=21.2, margin_left=4.7, margin_top=10.7, gap_x=2.5,
    gap_y=0, padding=1.2, symbology="datamatrix",
)

# The 3x10 sheet and the 50 x 30 mm roll with a DataMatrix beside the text.
A4_3X10_DATAMATRIX = SheetLayout(
    name="A4 3x10 (66 x 28 mm) DataMatrix", page_width=210, page_height=297, columns=3, rows=10,
    label_width=66, label_height=28, margin_left=6, margin_top=8.5, gap_x=3, gap_y=0,
    symbology="datamatrix",
)
THERMAL_50X30_DATAMATRIX = SheetLayout(
    name="Termica 50 x 30 mm DataMatrix", page_width=50, page_height=30, columns=1, rows=1,
    label_width=50, label_height=30, padding=2.0, symbology="datamatrix",
)
