"""Item 9: user strings reach reportlab's Paragraph markup escaped. On the main of 2026-12-04 a
system named with markup made the lab report PDFs answer 500 (an unclosed tag), and an
<img src> in the name embedded a file of the server in the PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from core.auth import Profile


@pytest.fixture()
def evil_system(db, tmp_path):  # type: ignore[no-untyped-def]
    from lims.models.registry import SupplySystem

    png = tmp_path / "segredo.png"
    Image.new("RGB", (40, 40), (200, 0, 0)).save(png)
    broken = SupplySystem(code="XSS-1", name="Sistema <b>Norte & Sul")
    image = SupplySystem(code="XSS-2", name=f'Sistema <img src="{png}" width="40" height="40"/> Leste')
    db.add_all([broken, image])
    db.commit()
    return broken, image


@pytest.mark.parametrize("slug", ["anual", "vigilancia"])
def test_system_names_with_markup_print_as_text(client, login_as, evil_system, slug):
    broken, image = evil_system
    login_as(Profile.MANAGER, Profile.ANALYST)
    for system in (broken, image):
        resp = client.get(f"/lims/relatorios/{slug}?sistema={system.id}&ano=2026&mes=10&formato=pdf")
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        assert resp.data.startswith(b"%PDF")
        assert b"/Subtype /Image" not in resp.data  # nothing embedded from the name
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=resp.data, capture_output=True,
                                  check=True).stdout.decode()
            expected = "<b>Norte & Sul" if system is broken else "<img src="
            assert expected in text.replace("\n", " "), text[:400]

