"""RFC 3161 time stamps, requested and verified with `rfc3161-client` (built on `cryptography`).

What is stamped is the evidence chain head: the 32 bytes of its SHA-256, sent as data, so
the token's message imprint is SHA-256(head) (`openssl ts -verify -data head.bin` agrees).
`ask` posts a TimeStampReq with a nonce and asks for the TSA's certificate in the answer;
the answer is kept whole (the DER TimeStampResp, as `openssl ts -reply -in` reads it).
`verify` checks, offline, the token's CMS signature, the TSA certificate's chain up to a
configured trust anchor (with the critical id-kp-timeStamping usage RFC 3161 requires) and
the message imprint against the chain head. Without a trust anchor nothing is verified.

TSAs that send their chain (OpenSSL's `certs =`, many commercial ones) often leave the CMS
`certificates` SET in chain order, which strict DER (and so rfc3161-client's parser) refuses;
that field is outside the signature, so `asn1crypto` re-encodes it sorted before verifying.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import requests
from asn1crypto import cms, tsp
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)


class TrustAnchorError(ValueError):
    """The configured trust anchor file cannot be read."""


def load_anchors(path: str | Path) -> list[x509.Certificate]:
    """The trusted root certificates in a PEM file (one or more)."""
    try:
        certs = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise TrustAnchorError(f"ancora de confianca da TSA ilegivel ({path}): {exc}") from exc
    if not certs:
        raise TrustAnchorError(f"nenhum certificado em {path}")
    return certs


@dataclass(frozen=True)
class Verified:
    ok: bool
    gen_time: str = ""  # ISO 8601, UTC
    tsa_name: str = ""  # the signing certificate's subject
    serial: int = 0
    error: str = ""


def _name(resp: TimeStampResponse) -> str:
    for der in resp.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        signer = next(iter(resp.signed_data.signer_infos), None)
        if signer is not None and cert.serial_number == signer.serial_number:
            return cert.subject.rfc4514_string()
    return ""


def der_certificates(response: bytes) -> bytes:
    """The same TimeStampResp with its certificates SET in DER order (unsigned field)."""
    resp = tsp.TimeStampResp.load(response)
    token = resp["time_stamp_token"]
    if token.native is None or token["content"]["certificates"].native is None:
        return response
    signed = token["content"]
    ders = sorted(c.dump() for c in signed["certificates"])
    signed["certificates"] = cms.CertificateSet([cms.CertificateChoices.load(d) for d in ders])
    return bytes(resp.dump())


def verify(response: bytes, head: bytes, anchors: list[x509.Certificate],
           nonce: int | None = None) -> Verified:
    """Check a stored TimeStampResp over the chain head `head` (32 bytes) against `anchors`."""
    if not anchors:
        return Verified(False, error="nenhuma ancora de confianca configurada (SAAE_TSA_CA_FILE)")
    try:
        resp = decode_timestamp_response(der_certificates(response))
    except ValueError as exc:
        return Verified(False, error=f"resposta da TSA ilegivel: {exc}")
    builder = VerifierBuilder()
    for cert in anchors:
        builder = builder.add_root_certificate(cert)
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify_message(resp, head)
    except (VerificationError, ValueError) as exc:
        return Verified(False, error=f"carimbo não confere: {exc}")
    info = resp.tst_info
    gen = info.gen_time
    if gen.tzinfo is None:
        gen = gen.replace(tzinfo=dt.UTC)
    return Verified(True, gen_time=gen.isoformat(), tsa_name=_name(resp),
                    serial=info.serial_number)


@dataclass(frozen=True)
class TsaAnswer:
    granted: bool
    status: int
    response: bytes  # the whole DER TimeStampResp
    gen_time: str
    verified: bool
    error: str = ""


def ask(url: str, head: bytes, anchors: list[x509.Certificate],
        timeout: float = 10) -> TsaAnswer:
    """Post a TimeStampReq over `head` to the TSA at `url`; verify the answer at once."""
    req = (TimestampRequestBuilder().data(head).hash_algorithm(HashAlgorithm.SHA256)
           .nonce(nonce=True).cert_request(cert_request=True).build())
    try:
        resp = requests.post(url, data=req.as_bytes(), timeout=timeout,
                             headers={"Content-Type": "application/timestamp-query"})
    except requests.RequestException as exc:
        return TsaAnswer(False, -1, b"", "", False, f"{type(exc).__name__}: {exc}"[:300])
    if resp.status_code != 200:
        return TsaAnswer(False, -1, b"", "", False, f"HTTP {resp.status_code}")
    try:
        status = decode_timestamp_response(resp.content).status
    except ValueError as exc:
        return TsaAnswer(False, -1, b"", "", False, f"resposta inválida: {exc}"[:300])
    if status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        return TsaAnswer(False, int(status), b"", "", False, f"TSA recusou (status {status})")
    v = verify(resp.content, head, anchors, nonce=req.nonce)
    return TsaAnswer(True, int(status), resp.content, v.gen_time, v.ok, v.error)
