"""Reading codes from images (pyzbar / zbar for bars and QR, pylibdmtx / libdmtx for
DataMatrix), tolerant of phone photos.

zbar reads bars at any multiple of 90 degrees, but misses skewed, low-contrast, tiny or
huge pictures; so we try a short list of cheap Pillow variants, easiest first, and stop at
the first that yields codes. zbar does not read DataMatrix: when no variant gives zbar a
code, libdmtx (which finds a symbol at any angle) gets a few reduced variants, with a
time limit.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pyzbar import pyzbar

log = logging.getLogger(__name__)

DMTX_SIDES = (1000, 640)  # libdmtx's search time grows with the pixels: reduced copies
DMTX_TIMEOUT_MS = 700  # per attempt; a picture without any DataMatrix costs this much
MAX_SIDE = 1600  # phone photos (4000 px) are shrunk to this before the slower variants
ANGLES = (15, -15, 30, -30, 45, -45, 60, -60, 75, -75)


MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; anything larger is refused unopened


class UnreadableImage(ValueError):
    """The bytes are not an image Pillow can open."""


class ImageTooLarge(UnreadableImage):
    """The image declares more pixels than we agree to decode (a decompression bomb: a few
    kilobytes of PNG can declare 20000 x 20000 pixels, 1.6 GB once decoded)."""

    def __init__(self, pixels: int, max_pixels: int, width: int = 0, height: int = 0) -> None:
        super().__init__(f"{pixels} pixels (máximo {max_pixels})")
        self.pixels, self.max_pixels, self.width, self.height = pixels, max_pixels, width, height


def check_image(image_bytes: bytes, max_pixels: int = MAX_PIXELS) -> tuple[str, int, int]:
    """(format, width, height) read from the header alone, without decoding the pixels.
    Raises ImageTooLarge above `max_pixels`, UnreadableImage when it is not an image."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as img:
            fmt, (w, h) = img.format or "", img.size
    except Image.DecompressionBombError as exc:  # Pillow's own, higher, limit: no size given
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageTooLarge(int(found.group(1)) if found else 0, max_pixels) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnreadableImage("arquivo não é uma imagem legível") from exc
    if w * h > max_pixels:
        raise ImageTooLarge(w * h, max_pixels, w, h)
    return fmt, w, h


def _zbar(img: Image.Image) -> list[str]:
    out: list[str] = []
    for sym in pyzbar.decode(img):
        text = sym.data.decode("utf-8", errors="replace")
        if text and text not in out:
            out.append(text)
    return out


def _dmtx(img: Image.Image) -> list[str]:
    from pylibdmtx import pylibdmtx  # why: libdmtx loads on first use

    out: list[str] = []
    for sym in pylibdmtx.decode(img, timeout=DMTX_TIMEOUT_MS, max_count=4, shrink=2):
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


def _variants(gray: Image.Image) -> Iterator[tuple[Callable[[Image.Image], list[str]],
                                                  Image.Image]]:
    """(reader, picture) pairs, cheapest first: zbar on the picture as it is, then libdmtx on
    a reduced copy (fast when a DataMatrix is there), then zbar's slower variants, then
    libdmtx once more on a smaller copy."""
    yield _zbar, gray
    work = _fit(gray, MAX_SIDE)
    if work is not gray:
        yield _zbar, work
    contrast = ImageOps.autocontrast(work, cutoff=1)
    yield _zbar, contrast
    yield _dmtx, _fit(contrast, DMTX_SIDES[0])
    if max(work.size) < 800:  # small crops: zbar wants a few pixels per module
        yield _zbar, contrast.resize((work.width * 2, work.height * 2), Image.Resampling.LANCZOS)
    yield _zbar, _threshold(contrast)
    yield _zbar, contrast.filter(ImageFilter.SHARPEN)
    yield _zbar, _fit(contrast, 900)
    for angle in ANGLES:
        yield _zbar, contrast.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True,
                                     fillcolor=255)
    for side in DMTX_SIDES[1:]:
        yield _dmtx, _fit(contrast, side)


def decode(image_bytes: bytes) -> list[str]:
    """Every code found in the picture (Code128, QR, EAN..., DataMatrix), in reading order,
    no repeats; [] when none is found. Raises UnreadableImage when the bytes are not an image,
    ImageTooLarge when it declares more than MAX_PIXELS."""
    check_image(image_bytes)
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
    for n, (read, variant) in enumerate(_variants(gray)):
        found = read(variant)
        if found:
            log.debug("decoded %s on variant %d (%s)", found, n, read.__name__)
            return found
    return []
