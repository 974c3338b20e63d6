"""Evidence: SHA-256 of canonical JSON and the append-only hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(payload: Any) -> bytes:
    """The one byte form that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def chain_hash(prev_hash: str, seq: int, kind: str, payload: Any) -> str:
    return sha256_hex(f"{prev_hash}|{seq}|{kind}|".encode() + canonical(payload))


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(records: Sequence[Mapping[str, Any]]) -> list[ChainProblem]:
    """Recompute every link and every content hash; [] means intact."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    for i, r in enumerate(records, start=1):
        seq = int(r.get("seq", -1))
        if seq != i:
            problems.append(ChainProblem(seq, f"sequência esperada {i}"))
        if r.get("prev_hash") != prev:
            problems.append(ChainProblem(seq, "elo anterior não confere"))
        payload = r.get("payload") or {}
        if chain_hash(str(r.get("prev_hash")), seq, str(r.get("kind")), payload) != r.get("hash"):
            problems.append(ChainProblem(seq, "hash do registro não confere"))
        if "content" in payload and sha256_hex(str(payload["content"])) != payload.get("content_sha256"):
            problems.append(ChainProblem(seq, "SHA-256 do conteúdo não confere"))
        prev = str(r.get("hash"))
    return problems


def jsonable(payload: Any) -> Any:
    """The payload as it will read back from a JSON column (what is hashed is what is kept)."""
    return json.loads(canonical(payload))
