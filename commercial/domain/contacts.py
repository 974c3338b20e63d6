"""How to reach a consumer: Brazilian mobiles (E.164) and e-mail addresses."""

from __future__ import annotations

import re

from commercial.domain.text import digits

_DDD = {
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42,
    43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74,
    75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
}


def brazilian_mobile(text: str | None, default_ddd: str | None = None) -> str | None:
    """A Brazilian mobile in E.164 (+55DD9XXXXXXXX), or None when `text` is not one.

    Accepts '(19) 99876-5432', '019 99876 5432', '+55 19 998765432', '998765432' with a
    default DDD. Landlines (8 digits starting 2-5) and invalid DDDs are refused.
    """
    if not text:
        return None
    d = digits(text)
    if text.strip().startswith("+"):
        if not d.startswith("55"):
            return None
        d = d[2:]
    elif len(d) == 13 and d.startswith("55"):
        d = d[2:]
    elif len(d) == 12 and d.startswith("0"):  # 0 + DDD + number (long-distance prefix)
        d = d[1:]
    elif len(d) == 14 and d.startswith("0"):  # 0 + carrier + DDD + number
        d = d[3:]
    if len(d) == 9 and default_ddd:
        d = digits(default_ddd) + d
    if len(d) != 11:
        return None
    ddd, number = int(d[:2]), d[2:]
    if ddd not in _DDD or number[0] != "9" or number[1] == "0":
        return None
    if number == number[0] * 9:
        return None
    return "+55" + d


def format_phone(e164: str | None) -> str:
    if not e164:
        return ""
    d = e164[3:] if e164.startswith("+55") else digits(e164)
    if len(d) == 11:
        return f"({d[:2]}) {d[2:7]}-{d[7:]}"
    if len(d) == 10:
        return f"({d[:2]}) {d[2:6]}-{d[6:]}"
    return e164


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def email_is_valid(text: str | None) -> bool:
    return bool(text and EMAIL_RE.match(text.strip()) and len(text) <= 200)
