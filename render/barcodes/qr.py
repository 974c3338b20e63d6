"""A fast QR encoder for the PIX payloads printed on every invoice (byte mode, fixed mask).

segno builds a correct QR code in ~2.5 ms, most of it spent evaluating the eight masks and in
its Reed-Solomon loop; a 25,000-invoice batch cannot afford that. This module keeps segno's
tables and, once per version, derives from segno itself the symbol's fixed modules, the mask
bits and the placement order; each payload then costs the bit stream, a table-driven
Reed-Solomon (one XOR per data byte) and one pass over the data modules (~0.3 ms).
`tests/commercial/test_domain.py` checks it module for module against segno.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import zip_longest
from operator import itemgetter

import segno
from segno import consts, encoder

ERROR = consts.ERROR_LEVEL_M
MASK = 2


def _bits_to_codewords(data: bytes, version: int, compat: bool = False) -> bytes:
    capacity = consts.SYMBOL_CAPACITY[version][ERROR]  # bits
    cc_bits = 8 if version < 10 else 16
    stream = (0b0100 << cc_bits | len(data)) << (8 * len(data)) | int.from_bytes(data, "big")
    n = 4 + cc_bits + 8 * len(data)
    term = min(4, capacity - n)
    stream <<= term
    n += term
    pad = (-n) % 8
    if compat and pad == 0:  # segno always adds 1-8 zero bits here; decoders ignore them
        pad = 8
    if n + pad > capacity:
        pad = (-n) % 8
    stream <<= pad
    n += pad
    out = bytearray(stream.to_bytes(n // 8, "big"))
    fill = (0xEC, 0x11)
    i = 0
    while len(out) < capacity // 8:
        out.append(fill[i % 2])
        i += 1
    return bytes(out)


@lru_cache(maxsize=8)
def _rs_table(num_ec: int) -> tuple[int, ...]:
    """coef -> coef x generator (g1..g_ec), as one big integer per coefficient."""
    gen = consts.GEN_POLY[num_ec]
    log, exp = consts.GALIOS_LOG, consts.GALIOS_EXP
    table = [0]
    for coef in range(1, 256):
        lc = log[coef]
        table.append(int.from_bytes(bytes(exp[lc + g] for g in gen), "big"))
    return tuple(table)


def _ecc(block: bytes, num_ec: int) -> bytes:
    table = _rs_table(num_ec)
    shift = 8 * (num_ec - 1)
    mask = (1 << (8 * num_ec)) - 1
    rem = 0
    for b in block:
        rem = ((rem << 8) & mask) ^ table[b ^ (rem >> shift)]
    return rem.to_bytes(num_ec, "big")


def _final_bits(data: bytes, version: int, compat: bool = False) -> bytes:
    codewords = _bits_to_codewords(data, version, compat)
    data_blocks, ec_blocks = [], []
    pos = 0
    for info in consts.ECC[version][ERROR]:
        num_ec = info.num_total - info.num_data
        for _ in range(info.num_blocks):
            block = codewords[pos:pos + info.num_data]
            pos += info.num_data
            data_blocks.append(block)
            ec_blocks.append(_ecc(block, num_ec))
    seq = bytearray()
    for group in (data_blocks, ec_blocks):
        if len(group) == 1:
            seq += group[0]
            continue
        shortest = min(len(b) for b in group)
        for col in zip(*group, strict=False):  # the common part, interleaved in C
            seq += bytes(col)
        for col in zip_longest(*(b[shortest:] for b in group)):
            seq += bytes(x for x in col if x is not None)
    return _bits(seq)


_BIT = bytes.maketrans(b"01", b"\x00\x01")


def _bits(seq: bytes) -> bytes:
    """One byte (0 or 1) per bit of `seq`, most significant first (no Python loop per bit)."""
    n = len(seq) * 8
    return bin(int.from_bytes(seq, "big"))[2:].zfill(n).encode().translate(_BIT)


def _version_for(data: bytes) -> int:
    for v in range(1, 41):
        cc_bits = 8 if v < 10 else 16
        if consts.SYMBOL_CAPACITY[v][ERROR] >= 4 + cc_bits + 8 * len(data):
            return v
    raise ValueError("dados longos demais para um QR Code")


@lru_cache(maxsize=8)
def _layout(version: int) -> tuple[bytes, tuple[int, ...], bytes, itemgetter]:  # type: ignore[type-arg]
    """(template: flat final matrix with data bits = 0, data positions in placement order,
    mask bits at those positions, the gather that places a data stream)."""
    size = encoder.calc_matrix_size(version)
    fm = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(fm, size, size)
    encoder.add_alignment_patterns(fm, size, size)
    fm[-8][8] = 0x1
    order = []
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        for vertical in range(size):
            for z in range(2):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = (size - 1 - vertical) if upwards else vertical
                if fm[i][j] == 0x2:
                    order.append(i * size + j)
    # a reference symbol from segno with the same version and mask gives the fixed modules;
    # XOR-ing our own bits for its payload back out leaves the mask bits
    probe = b"A" * max(1, (consts.SYMBOL_CAPACITY[version][ERROR] - 4 - (8 if version < 10 else 16)) // 8)
    ref = segno.make(probe, error="m", version=version, mask=MASK, mode="byte", boost_error=False,
                     micro=False)
    flat = bytearray(v for row in ref.matrix for v in row)
    bits = _final_bits(probe, version, compat=True)
    bits += bytes(len(order) - len(bits))
    mask_bits = bytearray(len(order))
    for k, p in enumerate(order):
        mask_bits[k] = flat[p] ^ bits[k]
        flat[p] = 0
    # every cell of the symbol as an index into template + data stream, so one C-level
    # gather (itemgetter) places all the data modules at once
    where = list(range(len(flat)))
    for k, p in enumerate(order):
        where[p] = len(flat) + k
    return bytes(flat), tuple(order), bytes(mask_bits), itemgetter(*where)


def qr_matrix(payload: str, *, compat: bool = False) -> tuple[int, bytes]:
    """(size, size*size bytes of 0/1, row by row) for `payload`, error level M, mask 2.
    `compat` reproduces segno's extra zero padding byte (for module-exact comparison)."""
    data = payload.encode("utf-8")
    version = _version_for(data)
    template, order, mask_bits, gather = _layout(version)
    bits = _final_bits(data, version, compat)
    n = len(order)
    bits = bits[:n] + bytes(n - len(bits)) if len(bits) != n else bits
    masked = (int.from_bytes(bits, "big") ^ int.from_bytes(mask_bits, "big")).to_bytes(n, "big")
    return encoder.calc_matrix_size(version), bytes(gather(template + masked))
