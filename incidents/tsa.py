"""RFC 3161 time-stamp requests with a tiny DER encoder (no extra dependency).

`request(digest)` builds a TimeStampReq for a SHA-256 digest; `ask(url, digest)` posts it
(`application/timestamp-query`) and reads the TimeStampResp: the PKI status and the token
(a CMS SignedData, kept as bytes). The token's signature is NOT verified here: it is stored
so that anyone can check it later with the TSA's certificate (e.g. `openssl ts -verify`);
we only check that the token carries our message imprint and read its genTime.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import requests

SHA256_OID = "2.16.840.1.101.3.4.2.1"


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _len(len(value)) + value


def integer(n: int) -> bytes:
    b = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)
    return tlv(0x02, b)


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out.extend(reversed(chunk))
    return tlv(0x06, bytes(out))


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


NULL = b"\x05\x00"
TRUE = b"\x01\x01\xff"


def request(digest: bytes, nonce: int | None = None) -> bytes:
    """TimeStampReq ::= SEQUENCE { version 1, messageImprint, nonce, certReq TRUE }."""
    nonce = secrets.randbits(63) if nonce is None else nonce
    imprint = seq(seq(oid(SHA256_OID), NULL), tlv(0x04, digest))
    return seq(integer(1), imprint, integer(nonce), TRUE)


def parse(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, next position) of the TLV at `pos`."""
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    return tag, data[pos:pos + n], pos + n


def children(value: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(value):
        tag, v, pos = parse(value, pos)
        out.append((tag, v))
    return out


def _walk(tag: int, value: bytes):  # type: ignore[no-untyped-def]
    yield tag, value
    if tag & 0x20 or tag == 0x04:  # constructed, or an OCTET STRING wrapping DER (eContent)
        try:
            for t, v in children(value):
                yield from _walk(t, v)
        except (IndexError, ValueError):
            return


@dataclass(frozen=True)
class TsaAnswer:
    granted: bool
    status: int
    token: bytes
    gen_time: str
    imprint_ok: bool
    error: str = ""


def read_response(data: bytes, digest: bytes) -> TsaAnswer:
    tag, body, _ = parse(data)
    if tag != 0x30:
        return TsaAnswer(False, -1, b"", "", False, "resposta não e DER")
    parts = children(body)
    status_info = children(parts[0][1])
    status = int.from_bytes(status_info[0][1], "big", signed=True)
    if status not in (0, 1) or len(parts) < 2:
        return TsaAnswer(False, status, b"", "", False, f"TSA recusou (status {status})")
    token_tlv = tlv(parts[1][0], parts[1][1])
    gen_time, imprint_ok = "", False
    for t, v in _walk(parts[1][0], parts[1][1]):
        if t == 0x18 and not gen_time:
            gen_time = v.decode(errors="replace")
        if t == 0x04 and v == digest:
            imprint_ok = True
    return TsaAnswer(True, status, token_tlv, gen_time, imprint_ok)


def ask(url: str, digest: bytes, timeout: float = 10) -> TsaAnswer:
    """Post a TimeStampReq for `digest` to the TSA at `url`."""
    try:
        resp = requests.post(url, data=request(digest), timeout=timeout,
                             headers={"Content-Type": "application/timestamp-query"})
    except requests.RequestException as exc:
        return TsaAnswer(False, -1, b"", "", False, f"{type(exc).__name__}: {exc}"[:300])
    if resp.status_code != 200:
        return TsaAnswer(False, -1, b"", "", False, f"HTTP {resp.status_code}")
    try:
        return read_response(resp.content, digest)
    except (IndexError, ValueError) as exc:
        return TsaAnswer(False, -1, b"", "", False, f"resposta inválida: {exc}")
