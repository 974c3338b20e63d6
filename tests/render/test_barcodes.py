"""Barcodes drawn by our own renderers: the fast QR encoder agrees module for module with
segno; Interleaved 2 of 5 has its start, stop and length."""

from __future__ import annotations

import random

import pytest
import segno

from render.barcodes import i25
from render.barcodes.qr import qr_matrix


def test_fast_qr_matches_segno_module_for_module():
    rng = random.Random(7)
    for n in [*range(1, 320, 11), 140, 152, 153, 180]:
        text = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789 .-/*") for _ in range(n))
        size, flat = qr_matrix(text, compat=True)
        ref = segno.make(text.encode(), error="m", mask=2, boost_error=False, micro=False, mode="byte")
        assert size == len(ref.matrix)
        assert flat == bytes(v for row in ref.matrix for v in row), n


def test_i25_modules_structure():
    mods = i25.modules("0123")
    assert mods[:4] == b"\x01\x00\x01\x00" and mods[-5:] == b"\x01\x01\x01\x00\x01"
    assert len(i25.modules("0" * 44)) == 4 + 22 * 18 + 5  # 405: 103 mm at 0.254 mm
    with pytest.raises(ValueError):
        i25.modules("123")
