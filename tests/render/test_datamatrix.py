"""DataMatrix labels beside Code128 (tender 002, 7.12): rendered from libdmtx's symbols by our
PDF / PNG / ZPL renderers, chosen per layout, and read back by libdmtx from pages and photos."""

from __future__ import annotations

import io
import shutil
import time

import pytest
from PIL import Image

from render import labels as api
from render.barcodes.datamatrix import matrix
from tests.render.test_labels import ARTIFACTS, pdf_pages_png, phone_photo, spec


def test_symbols_are_ecc200_squares_with_their_finder_pattern():
    for code in ("X", "A2612000123", "RT-20260115-SET02-0001/12"):
        grid = matrix(code)
        n = len(grid)
        assert all(len(row) == n for row in grid) and n in (10, 12, 14, 16, 18, 20, 22, 24)
        assert set(r[0] for r in grid) == {"1"} and grid[-1] == "1" * n  # solid L
        assert grid[0] == ("10" * n)[:n]  # clock track on top


@pytest.mark.parametrize("code", ["A2612000123", "REC-2612-7/b", "X"])
def test_label_png_round_trip(code):
    png = api.render_label_png(spec(code), symbology="datamatrix")
    assert api.decode(png) == [code]
    assert api.decode(api.render_datamatrix_png(code)) == [code]


def test_layouts_carry_their_symbology():
    assert api.A4_3X10.symbology == api.THERMAL_50X30.symbology == "code128"
    assert {api.LAYOUTS[k].symbology for k in ("a4-datamatrix", "a4-65-datamatrix",
                                               "termica-datamatrix")} == {"datamatrix"}
    with pytest.raises(ValueError, match="symbology"):
        api.SheetLayout(name="x", page_width=50, page_height=30, columns=1, rows=1,
                        label_width=50, label_height=30, symbology="qr")


def test_a4_65_sheet_renders_and_every_symbol_reads_back(tmp_path):
    """65 labels of 38,1 x 21,2 mm per A4 sheet (tube caps and small bottles): every one reads."""
    layout = api.A4_5X13_DATAMATRIX
    codes = [f"A26120{i:05d}" for i in range(70)]
    pdf = api.render_sheet_pdf([spec(c, i) for i, c in enumerate(codes)], layout, outline=True)
    pages = pdf_pages_png(pdf, tmp_path, dpi=200)
    assert len(pages) == 2  # 65 + 5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "a4_65_datamatrix_page1.png")
    found: list[str] = []
    k = 200 / 25.4
    for page in pages:
        img = Image.open(page)
        for slot in range(layout.per_page):
            x, y = layout.origin(slot)
            crop = img.crop((round(x * k), round(y * k), round((x + layout.label_width) * k),
                             round((y + layout.label_height) * k)))
            buf = io.BytesIO()
            crop.save(buf, "PNG")
            found += api.decode(buf.getvalue())
    assert sorted(found) == codes


def test_thermal_and_3x10_datamatrix_pdfs(tmp_path):
    codes = ["A2612000001", "A2612000002"]
    pdf = api.render_thermal_pdf([spec(c) for c in codes], api.THERMAL_50X30_DATAMATRIX)
    pages = pdf_pages_png(pdf, tmp_path, dpi=300)
    assert [api.decode(p.read_bytes()) for p in pages] == [[c] for c in codes]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "thermal_datamatrix.png")


def test_decode_a_phone_like_photo_of_a_datamatrix_label():
    """Rotated 25 degrees, blurred, noisy grey background, JPEG: libdmtx still reads it."""
    photo = phone_photo(api.render_label_png(spec("A2612004242"), dpi=200,
                                             symbology="datamatrix"))
    started = time.monotonic()
    assert api.decode(photo) == ["A2612004242"]
    print(f"DataMatrix photo read in {time.monotonic() - started:.2f} s")


def test_zpl_datamatrix():
    zpl = api.render_zpl([spec("A2612000123")], symbology="datamatrix")
    assert "^BXN," in zpl and ",200^FH\\^FDA2612000123^FS" in zpl and "^BC" not in zpl
