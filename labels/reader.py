"""Reading codes from images (pyzbar / zbar), tolerant of phone photos.

zbar reads bars at any multiple of 90 degrees, but misses skewed, low-contrast, tiny or
huge pictures; so we try a short list of cheap Pillow variants, easiest first, and stop at
the first that yields codes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pyzbar import pyzbar

log = logging.getLogger(__name__)

MAX_SIDE = 1600  # phone photos (4000 px) are shrunk to this before the slower variants
ANGLES = (15, -15, 30, -30, 45, -45, 60, -60, 75, -75)


class UnreadableImage(ValueError):
    """The bytes are not an image Pillow can open."""


def _zbar(img: Image.Image) -> list[str]:
    out: list[str] = []
    for sym in pyzbar.decode(img):
        text = sym.data.decode("utf-8", errors="replace")
        if text and text not in out:
            out.append(text)
    return out


def _fit(img: Image.Image, side: int) -> Image.Image:
    scale = side / max(img.size)
    if scale >= 1:
        return img
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.LANCZOS)


def _threshold(img: Image.Image) -> Image.Image:
    hist = img.histogram()
    total = sum(hist)
    mean = sum(i * h for i, h in enumerate(hist)) / max(1, total)
    return img.point(lambda v: 255 if v > mean else 0)


def _variants(gray: Image.Image) -> Iterator[Image.Image]:
    yield gray
    work = _fit(gray, MAX_SIDE)
    if work is not gray:
        yield work
    contrast = ImageOps.autocontrast(work, cutoff=1)
    yield contrast
    if max(work.size) < 800:  # small crops: zbar wants a few pixels per module
        yield contrast.resize((work.width * 2, work.height * 2), Image.Resampling.LANCZOS)
    yield _threshold(contrast)
    yield contrast.filter(ImageFilter.SHARPEN)
    yield _fit(contrast, 900)
    for angle in ANGLES:
        yield contrast.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def decode(image_bytes: bytes) -> list[str]:
    """Every code found in the picture (Code128, QR, EAN...), in reading order, no repeats;
    [] when none is found. Raises UnreadableImage when the bytes are not an image."""
    try:
        img = Image.open(io.BytesIO(image_bytes))
        img.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise UnreadableImage("arquivo não e uma imagem legível") from exc
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P"):
        bg = Image.new("RGB", img.size, "white")
        bg.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
        img = bg
    gray = img.convert("L")
    for n, variant in enumerate(_variants(gray)):
        found = _zbar(variant)
        if found:
            log.debug("decoded %s on variant %d", found, n)
            return found
    return []
