"""A real RFC 3161 TSA for the tests: OpenSSL's own `openssl ts -reply`, signing with a test CA
made here (root -> TSA certificate with the critical id-kp-timeStamping usage), behind an HTTP
handler on loopback. An independent implementation, so the client and verifier are judged by
a peer they share no code with."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

POLICY = "1.3.6.1.4.1.99999.3161.1"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SAAE testes"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey,
          signer: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                          False), critical=True)
    else:
        b = (b.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                           False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                            critical=True)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                 signer.public_key()), critical=False))
    return b.sign(signer, hashes.SHA256())


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@dataclass
class TestCA:
    """A root CA and the TSA certificate it issued, written as PEM files in `dir`."""

    dir: Path
    ca_file: Path
    tsa_cert: Path
    tsa_key: Path
    config: Path

    __test__ = False  # not a pytest test class

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp OpenSSL's TSA gives to a DER TimeStampReq."""
        with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
            q, r = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
            q.write_bytes(query)
            subprocess.run([shutil.which("openssl") or "openssl", "ts", "-reply", "-config",
                            str(self.config), "-queryfile", str(q), "-out", str(r)],
                           check=True, capture_output=True)
            return r.read_bytes()


def make_ca(directory: Path, cn: str = "TSA de teste SAAE", intermediate: bool = False) -> TestCA:
    """root -> TSA, or root -> intermediate -> TSA with the intermediate sent in every token."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    root = _name(f"{cn} - raiz")
    ca = _cert(root, root, ca_key, ca_key, ca=True)
    issuer, issuer_key, chain = root, ca_key, ""
    if intermediate:
        issuer, issuer_key = _name(f"{cn} - intermediaria"), ec.generate_private_key(ec.SECP256R1())
        mid = _cert(issuer, root, issuer_key, ca_key, ca=True)
        chain = f"certs = {_pem(directory / 'chain.pem', mid.public_bytes(serialization.Encoding.PEM))}\n"
    leaf = _cert(_name(cn), issuer, tsa_key, issuer_key, ca=False)
    ca_file = _pem(directory / "ca.pem", ca.public_bytes(serialization.Encoding.PEM))
    tsa_cert = _pem(directory / "tsa.pem", leaf.public_bytes(serialization.Encoding.PEM))
    tsa_key_file = _pem(directory / "tsa.key", tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (directory / "serial").write_text("01\n")
    config = directory / "tsa.cnf"
    config.write_text(f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {directory / "serial"}
crypto_device = builtin
signer_cert = {tsa_cert}
signer_key = {tsa_key_file}
{chain}signer_digest = sha256
default_policy = {POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    return TestCA(directory, ca_file, tsa_cert, tsa_key_file, config)
