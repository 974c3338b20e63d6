"""Text helpers of the commercial rules: digits only, accents off, search keys."""

from __future__ import annotations

import re
import unicodedata


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def ascii_fold(text: str) -> str:
    """Accents off, for search keys and the PIX payload."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def search_key(*parts: str | None) -> str:
    """Lower-case, accent-free, single-spaced: what searches compare."""
    return " ".join(" ".join(ascii_fold(p).lower().split()) for p in parts if p)
