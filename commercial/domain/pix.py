"""The static PIX BR Code ("copia e cola", EMV MPM) with its CRC-16."""

from __future__ import annotations

import re
from decimal import Decimal

from commercial.domain.money import money
from commercial.domain.text import ascii_fold


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
        table.append(crc)
    return tuple(table)


_CRC = _crc_table()


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as the BR Code requires (table-driven)."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC[(crc >> 8) ^ byte]
    return crc


def _emv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"campo {tag} do BR Code longo demais")
    return f"{tag}{len(value):02d}{value}"


def _pix_text(text: str, size: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9 .\-/]", "", ascii_fold(text)).strip()
    return clean[:size].strip()


def pix_payload(key: str, name: str, city: str, amount: Decimal | None = None, txid: str = "***",
                description: str = "") -> str:
    """Static PIX BR Code ("copia e cola") with amount and transaction id."""
    if not key:
        raise ValueError("chave PIX não configurada")
    gui = _emv("00", "br.gov.bcb.pix") + _emv("01", key)
    if description:
        gui += _emv("02", _pix_text(description, 40))
    tx = re.sub(r"[^A-Za-z0-9]", "", txid)[:25] or "***"
    payload = (
        _emv("00", "01")
        + _emv("26", gui)
        + _emv("52", "0000")
        + _emv("53", "986")
        + (_emv("54", f"{money(amount):.2f}") if amount is not None and amount > 0 else "")
        + _emv("58", "BR")
        + _emv("59", _pix_text(name, 25) or "SAAE")
        + _emv("60", _pix_text(city, 15) or "BRASIL")
        + _emv("62", _emv("05", tx))
        + "6304"
    )
    return payload + f"{crc16_ccitt(payload.encode('ascii')):04X}"
