"""The FEBRABAN collection barcode ("arrecadacao"): the 44-digit barcode, its 48-digit typed
line, the free field of an invoice, and their check digits (modulo 10 and modulo 11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from commercial.domain.money import money
from commercial.domain.text import digits

PRODUCT_COLLECTION = "8"
SEGMENT_SANITATION = "2"
VALUE_ID_MOD10 = "6"  # valor efetivo em reais, DV modulo 10
VALUE_ID_MOD11 = "8"  # valor efetivo em reais, DV modulo 11


def mod10(number: str) -> int:
    """FEBRABAN modulo 10: weights 2,1,2,1... from the right, digits of each product summed."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    r = total % 10
    return 0 if r == 0 else 10 - r


def mod11(number: str) -> int:
    """FEBRABAN modulo 11 for collection documents (also the matricula's digit): weights 2..9
    from the right (cycling); DV 0 when the remainder is 0 or 1, else 11 - remainder."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        total += int(ch) * (2 + i % 8)
    r = total % 11
    return 0 if r in (0, 1) else 11 - r


def _dv_function(value_id: str) -> Callable[[str], int]:
    if value_id in (VALUE_ID_MOD10, "7"):
        return mod10
    if value_id in (VALUE_ID_MOD11, "9"):
        return mod11
    raise ValueError(f"identificador de valor inválido: {value_id}")


def collection_barcode(amount: Decimal, company_code: str, free_field: str, *,
                       segment: str = SEGMENT_SANITATION, value_id: str = VALUE_ID_MOD10) -> str:
    """The 44-digit collection barcode: 8 | segment | value id | general DV | value (11) |
    company (4) | free field (25)."""
    company = digits(company_code)
    if len(company) != 4:
        raise ValueError("código FEBRABAN da empresa deve ter 4 dígitos")
    free = digits(free_field)
    if len(free) != 25:
        raise ValueError("campo livre deve ter 25 dígitos")
    cents = int(money(amount) * 100)
    if cents < 0 or cents >= 10**11:
        raise ValueError("valor fora do limite do código de barras")
    body = PRODUCT_COLLECTION + segment + value_id + f"{cents:011d}" + company + free
    dv = _dv_function(value_id)(body)
    return body[:3] + str(dv) + body[3:]


def barcode_is_valid(code: str) -> bool:
    if len(code) != 44 or not code.isdigit() or code[0] != PRODUCT_COLLECTION:
        return False
    try:
        fn = _dv_function(code[2])
    except ValueError:
        return False
    return fn(code[:3] + code[4:]) == int(code[3])


def typed_line(code: str) -> str:
    """The 48-digit typed line: four 11-digit blocks, each followed by its check digit."""
    if len(code) != 44 or not code.isdigit():
        raise ValueError("código de barras deve ter 44 dígitos")
    fn = _dv_function(code[2])
    blocks = [code[i:i + 11] for i in range(0, 44, 11)]
    return "".join(b + str(fn(b)) for b in blocks)


def format_typed_line(line: str) -> str:
    return " ".join(f"{line[i:i + 11]}-{line[i + 11]}" for i in range(0, 48, 12))


def barcode_from_typed_line(line: str) -> str:
    d = digits(line)
    if len(d) != 48:
        raise ValueError("linha digitável deve ter 48 dígitos")
    fn = _dv_function(d[2])
    for i in range(0, 48, 12):
        if fn(d[i:i + 11]) != int(d[i + 11]):
            raise ValueError(f"dígito verificador do bloco {i // 12 + 1} não confere")
    return "".join(d[i:i + 11] for i in range(0, 48, 12))


def invoice_free_field(due: dt.date, matricula: str, year: int, month: int, seq: int = 0) -> str:
    """25 digits: due date AAAAMMDD (8) + matricula with its digit (10) + reference AAMM (4) +
    sequence (3). Enough for the bank's return file to find the invoice."""
    m = digits(matricula)
    if len(m) > 10:
        raise ValueError("matrícula longa demais para o campo livre")
    return f"{due:%Y%m%d}{int(m):010d}{year % 100:02d}{month:02d}{seq % 1000:03d}"
