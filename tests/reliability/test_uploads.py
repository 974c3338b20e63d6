"""Item 7: a 76 KB PNG declaring 20000x20000 pixels gave 500 (decompression bomb uncaught);
point photos always gave 500 on view with the default, relative, data directory."""

from __future__ import annotations

import dataclasses
import io
import struct
import zlib
from pathlib import Path

from core.auth import Profile
from tests.conftest import TEST_PASSWORD
from tests.lims.part1_rows import small_system


def bomb_png(side: int = 20_000) -> bytes:
    """A valid grey PNG of side x side pixels, all zero: it compresses to a few dozen KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + b"\x00" * side  # filter byte + pixels
    z = zlib.compressobj(9)
    data = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def test_decompression_bomb_gets_a_clear_4xx(client, db, login_as):
    bomb = bomb_png()
    assert len(bomb) < 600_000
    gestor = login_as(Profile.MANAGER, Profile.ANALYST)
    w = small_system(user_id=gestor.id)
    pid = w["points"]["R1"].id
    message = "Imagem grande demais (400 megapixels)"
    for url in ("/lims/recepcao/foto", f"/lims/cadastros/pontos/{pid}/fotos"):
        # a client that asks for JSON gets the 422 itself...
        resp = client.post(url, data={"foto": (io.BytesIO(bomb), "etiqueta.png")},
                           content_type="multipart/form-data", headers={"Accept": "application/json"})
        assert resp.status_code == 422, (url, resp.status_code)
        assert resp.get_json()["error"]["code"] == "imagem_grande_demais"
        assert message in resp.get_json()["error"]["message"]
        # ...and the page shows the same sentence (the forms' flash-and-return convention)
        back = "/lims/recepcao" if "recepcao" in url else f"/lims/cadastros/pontos/{pid}"
        page = client.post(url, data={"foto": (io.BytesIO(bomb), "etiqueta.png")},
                           content_type="multipart/form-data", follow_redirects=True,
                           headers={"Referer": back})
        assert page.status_code == 200 and message in page.get_data(as_text=True)
    from lims.services import registry

    assert not registry.record("pontos", pid).photos


def test_point_photo_viewable_with_relative_data_dir(app, db, make_user, tmp_path, monkeypatch):
    from PIL import Image

    from saae.app import create_app

    monkeypatch.chdir(tmp_path)
    rel = dataclasses.replace(app.config["SAAE_SETTINGS"], data_dir=Path("var"))
    app2 = create_app(rel, TESTING=True, WTF_CSRF_ENABLED=False)
    c = app2.test_client()
    gestor = make_user(Profile.MANAGER)
    assert c.post("/entrar", data={"username": gestor.username,
                                   "password": TEST_PASSWORD}).status_code == 302
    pid = small_system(user_id=gestor.id)["points"]["R1"].id
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(buf, "JPEG")
    up = c.post(f"/lims/cadastros/pontos/{pid}/fotos", data={"foto": (io.BytesIO(buf.getvalue()), "p.jpg")},
                content_type="multipart/form-data")
    assert up.status_code in (302, 303)
    assert any((tmp_path / "var" / "lims" / "pontos").iterdir())
    view = c.get(f"/lims/cadastros/pontos/{pid}/fotos/0")
    assert view.status_code == 200
    assert view.data == buf.getvalue()
