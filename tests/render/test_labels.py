"""render.labels: Code128 labels (PNG, PDF sheets, thermal PDF, ZPL) and read them back."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from render import labels as api

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "labels"


def spec(code: str, i: int = 1) -> api.LabelSpec:
    return api.LabelSpec(
        code,
        title=(f"SAA Sede - P-{i:03d} Reservatório Central", "Rede: Rua das Acácias, 123"),
        lines=("Coleta 03/12/2026 · cloro, turbidez, pH, coliformes", "Frasco 250 mL estéril"),
    )


def pdf_pages_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> list[Path]:
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed"
    src = tmp_path / "in.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(src), str(tmp_path / "page")],
                   check=True)
    return sorted(tmp_path.glob("page-*.png"))


@pytest.mark.parametrize("code", ["A2612000123", "0000000001", "REC-2612-7/b", "X"])
def test_label_png_round_trip(code):
    png = api.render_label_png(spec(code))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert api.decode(png) == [code]


def test_barcode_png_round_trip():
    png = api.render_barcode_png("A2612000999")
    img = Image.open(io.BytesIO(png))
    assert img.width > 300
    assert api.decode(png) == ["A2612000999"]


def phone_photo(label_png: bytes) -> bytes:
    """The label rotated 25 degrees on a grey noisy background, blurred, as a JPEG."""
    label = Image.open(io.BytesIO(label_png)).convert("L").rotate(25, expand=True, fillcolor=255)
    rnd = random.Random(4)
    photo = Image.new("L", (1400, 1000), 120)
    photo.putdata([min(255, max(0, 120 + rnd.randint(-25, 25))) for _ in range(1400 * 1000)])
    photo.paste(label, (300, 150))
    photo = photo.filter(ImageFilter.GaussianBlur(0.8)).convert("RGB")
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def test_decode_tolerates_a_phone_like_photo():
    """Rotated 25 degrees, shrunk, blurred, grey noisy background, JPEG: still read."""
    photo = phone_photo(api.render_label_png(spec("A2612004242"), dpi=200))
    assert api.decode(photo) == ["A2612004242"]


def test_decode_upside_down_and_sideways():
    for angle in (90, 180, 270):
        img = Image.open(io.BytesIO(api.render_label_png(spec("A2612000777")))).rotate(
            angle, expand=True, fillcolor=255)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        assert api.decode(buf.getvalue()) == ["A2612000777"], angle


def test_decode_no_code_and_not_an_image():
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buf, "PNG")
    assert api.decode(buf.getvalue()) == []
    with pytest.raises(api.UnreadableImage):
        api.decode(b"not an image")


def test_a4_sheet_pdf_renders_and_every_barcode_reads_back(tmp_path):
    codes = [f"A26120{i:05d}" for i in range(35)]
    pdf = api.render_sheet_pdf([spec(c, i) for i, c in enumerate(codes)], outline=True)
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages_png(pdf, tmp_path)
    assert len(pages) == 2  # 30 + 5 labels
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "a4_sheet_page1.png")
    found: list[str] = []
    for page in pages:
        img = Image.open(page)
        found += api.decode(page.read_bytes())
        # the whole page may hide some symbols from zbar; every single label must read
        for slot in range(api.A4_3X10.per_page):
            x, y = api.A4_3X10.origin(slot)
            k = 150 / 25.4
            crop = img.crop((round(x * k), round(y * k), round((x + 66) * k), round((y + 28) * k)))
            buf = io.BytesIO()
            crop.save(buf, "PNG")
            found += api.decode(buf.getvalue())
    assert sorted(set(found)) == codes


def test_sheet_skip_and_custom_layout(tmp_path):
    layout = api.SheetLayout(name="A4 2x7", page_width=210, page_height=297, columns=2, rows=7,
                             label_width=99, label_height=38, margin_left=5, margin_top=15,
                             gap_x=2)
    pdf = api.render_sheet_pdf([spec("B1"), spec("B2")], layout, skip=13)
    pages = pdf_pages_png(pdf, tmp_path, dpi=120)
    assert len(pages) == 2  # slot 13 is the last of page 1, B2 opens page 2
    assert api.decode(pages[1].read_bytes()) == ["B2"]
    with pytest.raises(ValueError):
        api.SheetLayout(name="too big", page_width=100, page_height=100, columns=3, rows=1,
                        label_width=40, label_height=20)


def test_thermal_pdf_one_label_per_page(tmp_path):
    codes = ["A2612000001", "A2612000002", "A2612000003"]
    pages = pdf_pages_png(api.render_thermal_pdf([spec(c) for c in codes]), tmp_path, dpi=300)
    assert len(pages) == 3
    img = Image.open(pages[0])
    assert abs(img.width - 50 / 25.4 * 300) < 3 and abs(img.height - 30 / 25.4 * 300) < 3
    assert [api.decode(p.read_bytes()) for p in pages] == [[c] for c in codes]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "thermal_50x30.png")


def test_zpl_has_code128_and_the_data():
    zpl = api.render_zpl([spec("A2612000123"), api.LabelSpec("A2612000124", title=("a^b~c",))])
    blocks = zpl.strip().split("^XZ")[:-1]
    assert len(blocks) == 2
    first = blocks[0]
    assert first.lstrip().startswith("^XA") and "^PW400" in first and "^LL240" in first
    assert "^BCN," in first and "^FDA2612000123^FS" in first
    assert "Reservat\\C3\\B3rio" in first  # UTF-8 hex escape under ^CI28 / ^FH
    assert "a\\5Eb\\7Ec" in blocks[1]  # ZPL control characters never reach the printer raw
    assert "^PQ3" in api.render_zpl([spec("X1")], copies=3)


def test_spec_validation():
    with pytest.raises(ValueError):
        api.LabelSpec("")
    with pytest.raises(ValueError):
        api.LabelSpec("AÇ1")
    with pytest.raises(ValueError):
        api.render_label_png(api.LabelSpec("A" * 80))
    s = api.LabelSpec("A1", title=["x"], lines=["y"])  # lists are frozen into tuples
    assert s.title == ("x",) and hash(s)
