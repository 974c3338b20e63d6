"""Uploaded photos (reception, point photos, the collector's photo): checked from the header
before anything is decoded or stored. Kept apart from the registry so that lims.api, read by
other areas, does not pull in labels."""

from __future__ import annotations

from core.errors import ValidationError
from render import labels

PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def check_photo(blob: bytes, field: str = "foto") -> str:
    """The file extension of an uploaded photo, after reading only its header: anything that
    is not a JPEG/PNG/WebP, or that declares more pixels than a phone camera takes (a
    decompression bomb), is refused with a 422 before any pixel is decoded."""
    try:
        fmt, _w, _h = labels.check_image(blob)
    except labels.ImageTooLarge as exc:
        size = (f" ({exc.width} x {exc.height} pixels)" if exc.width else
                f" ({exc.pixels / 1e6:.0f} megapixels)" if exc.pixels else "")
        raise ValidationError(
            f"Imagem grande demais{size}: o máximo é {exc.max_pixels // 1_000_000} megapixels. "
            "Envie uma foto menor.", fields={field: ["grande demais"]}, code="imagem_grande_demais",
        ) from None
    except labels.UnreadableImage:
        raise ValidationError("O arquivo enviado não é uma imagem JPEG ou PNG legível.",
                              fields={field: ["imagem"]}) from None
    if fmt not in PHOTO_FORMATS:
        raise ValidationError("Envie uma foto JPEG ou PNG.", fields={field: ["JPEG ou PNG"]})
    return PHOTO_FORMATS[fmt]
