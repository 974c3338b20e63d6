"""Identity numbers: the matricula with its check digit, CPF and CNPJ (validation, format,
the masked form an invoice prints)."""

from __future__ import annotations

import re

from commercial.domain.febraban import mod11
from commercial.domain.text import digits


def matricula_with_dv(number: int | str) -> str:
    """1234 -> '12343'; 100 -> '1007' (the check digit is FEBRABAN's modulo 11)."""
    base = str(int(str(number)))
    if int(base) <= 0:
        raise ValueError("número de matrícula deve ser positivo")
    return base + str(mod11(base))


def matricula_is_valid(text: str) -> bool:
    d = digits(text)
    if len(d) < 2 or d != (text or "").strip().replace("-", "").replace(".", ""):
        return False
    return int(d[:-1]) > 0 and str(mod11(d[:-1])) == d[-1]


def parse_matricula(text: str) -> tuple[int | None, str | None]:
    """(base number, full matricula) when `text` is a valid matricula with its digit,
    (base, None) when it is only digits without a valid digit (caller may try as base)."""
    d = digits(text)
    if not d:
        return None, None
    if matricula_is_valid(text):
        return int(d[:-1]), d
    return int(d), None


def format_matricula(full: str) -> str:
    return f"{full[:-1]}-{full[-1]}" if full else ""


def cpf_is_valid(text: str) -> bool:
    d = digits(text)
    if len(d) != 11 or d == d[0] * 11:
        return False
    for n in (9, 10):
        s = sum(int(d[i]) * (n + 1 - i) for i in range(n))
        dv = (s * 10) % 11 % 10
        if dv != int(d[n]):
            return False
    return True


_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def _cnpj_value(ch: str) -> int:
    # Receita Federal's alphanumeric CNPJ (IN RFB 2.229/2024, from July 2026): ASCII - 48,
    # which leaves 0-9 as they were.
    return ord(ch) - 48


def cnpj_clean(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def cnpj_is_valid(text: str) -> bool:
    c = cnpj_clean(text)
    if len(c) != 14 or not c[12:].isdigit() or c == c[0] * 14:
        return False
    body = c[:12]
    for weights, pos in ((_CNPJ_W1, 12), (_CNPJ_W2, 13)):
        s = sum(_cnpj_value(ch) * w for ch, w in zip(c[:pos], weights, strict=True))
        r = s % 11
        dv = 0 if r < 2 else 11 - r
        if dv != int(c[pos]):
            return False
    return bool(body)


def document_kind(text: str) -> str | None:
    """'cpf' | 'cnpj' | None (invalid)."""
    if len(digits(text)) == 11 and cpf_is_valid(text):
        return "cpf"
    if cnpj_is_valid(text):
        return "cnpj"
    return None


def format_document(text: str) -> str:
    d = cnpj_clean(text)
    if len(d) == 11:
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"
    if len(d) == 14:
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
    return text


def mask_document(text: str | None) -> str:
    """What an invoice prints (LGPD): ***.456.789-** / CNPJ in full (a company's is public)."""
    if not text:
        return ""
    d = cnpj_clean(text)
    if len(d) == 11:
        return f"***.{d[3:6]}.{d[6:9]}-**"
    return format_document(d)
