"""Personal data shown or logged only as far as a role needs: masked phone numbers and
e-mail addresses for pages and logs that do not need them whole."""

from __future__ import annotations

import re


def mask(value: str | None) -> str:
    """'+5519998765432' -> '+55 ********5432'; 'maria.silva@x.com.br' -> 'm***@x.com.br'."""
    text = (value or "").strip()
    if not text:
        return ""
    if "@" in text:
        user, _, domain = text.partition("@")
        return f"{user[:1]}***@{domain}"
    digits = re.sub(r"\D", "", text)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]
