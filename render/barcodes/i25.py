"""Interleaved 2 of 5 (ITF): the symbology of the FEBRABAN collection barcode, as a row of
modules drawn by the caller (vector bars in a PDF)."""

from __future__ import annotations

_PATTERNS = ("nnwwn", "wnnnw", "nwnnw", "wwnnn", "nnwnw", "wnwnn", "nwwnn", "nnnww", "wnnwn",
             "nwnwn")


def modules(code: str, ratio: int = 3) -> bytes:
    """Interleaved 2 of 5 as a row of modules (1 = bar), narrow = 1 module, wide = `ratio`:
    start (narrow bar, space, bar, space), digit pairs (bars from the first digit, spaces from
    the second), stop (wide bar, narrow space, narrow bar)."""
    if len(code) % 2 or not code.isdigit():
        raise ValueError("I2of5 precisa de um número par de dígitos")
    out = bytearray(b"\x01\x00\x01\x00")
    for i in range(0, len(code), 2):
        bars, spaces = _PATTERNS[int(code[i])], _PATTERNS[int(code[i + 1])]
        for b, sp in zip(bars, spaces, strict=True):
            out += b"\x01" * (ratio if b == "w" else 1)
            out += b"\x00" * (ratio if sp == "w" else 1)
    out += b"\x01" * ratio + b"\x00" + b"\x01"
    return bytes(out)
