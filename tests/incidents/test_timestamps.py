"""RFC 3161: closed incidents' chain heads are stamped by the periodic job, once per head."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

from incidents import audit_file, tsa
from incidents.services import evidence
from incidents.services import incidents as svc
from tests.tsa_peer import make_ca

CLI = [sys.executable, "-c", "from saae.cli import main; main()"]


def test_closed_heads_are_stamped_once_and_again_when_the_chain_grows(db, ref, providers):
    fp, base = providers
    url = f"{base}/tsa"
    inc = svc.open_incident(title="Rompimento na Rua B", kind="interrupcao", origin="operador",
                            notify=False)
    still_open = svc.open_incident(title="Baixa pressão", kind="interrupcao", origin="operador",
                                   notify=False)
    svc.close(inc.id, "reparo concluído")
    db.commit()
    assert evidence.unstamped_heads() == [inc.id]  # open incidents wait for their closing
    assert evidence.stamp_pending(url) == 1 and len(fp.tsa) == 1
    assert evidence.stamp_pending(url) == 0 and len(fp.tsa) == 1  # nothing twice
    evidence.append(inc.id, "recibo", {"status": "lido"})  # a late receipt moves the head
    db.commit()
    assert evidence.stamp_pending(url) == 1 and len(fp.tsa) == 2
    assert still_open.id not in evidence.unstamped_heads()


def test_an_unreachable_tsa_is_recorded_and_retried(db, ref):
    inc = svc.open_incident(title="Vazamento", kind="interrupcao", origin="operador", notify=False)
    svc.close(inc.id, "ok")
    db.commit()
    assert evidence.stamp_pending("http://127.0.0.1:9/tsa") == 0  # nothing listens on port 9
    assert evidence.unstamped_heads() == [inc.id]  # tried again on the next run


def _stamped(db, providers):
    fp, base = providers
    inc = svc.open_incident(title="Rompimento na Rua C", kind="interrupcao", origin="operador",
                            notify=False)
    svc.close(inc.id, "reparo concluido")
    db.commit()
    ts = evidence.timestamp_head(inc.id, f"{base}/tsa")
    db.commit()
    return fp, inc, ts


def test_a_stamp_is_verified_signature_certificate_and_imprint(db, ref, providers, tmp_path):
    """OpenSSL's TSA signs; rfc3161-client checks the CMS signature, the TSA certificate up to
    the configured root (critical id-kp-timeStamping) and the imprint over the chain head."""
    fp, inc, ts = _stamped(db, providers)
    assert ts.status == "concedido", ts.error
    anchors = tsa.load_anchors(fp.ca.ca_file)
    response = base64.b64decode(ts.token_b64)
    v = tsa.verify(response, bytes.fromhex(ts.hash), anchors)
    assert v.ok and "TSA de teste SAAE" in v.tsa_name and v.gen_time == ts.gen_time
    # OpenSSL agrees on the same answer, over the same 32 bytes (the chain head)
    (tmp_path / "r.tsr").write_bytes(response)
    (tmp_path / "head.bin").write_bytes(bytes.fromhex(ts.hash))
    out = subprocess.run(["openssl", "ts", "-verify", "-in", str(tmp_path / "r.tsr"), "-data",
                          str(tmp_path / "head.bin"), "-CAfile", str(fp.ca.ca_file)],
                         capture_output=True, text=True)
    assert "Verification: OK" in out.stdout, out.stderr
    # another chain head, another CA, a tampered token: each fails
    other = bytes.fromhex(ts.hash)[::-1]
    assert not tsa.verify(response, other, anchors).ok
    stranger = make_ca(tmp_path / "outra", cn="Outra TSA")
    assert "carimbo não confere" in tsa.verify(response, bytes.fromhex(ts.hash),
                                               tsa.load_anchors(stranger.ca_file)).error
    # genTime (GeneralizedTime, tag 0x18, "YYYYMMDDhhmmssZ") inside the signed TSTInfo: one
    # second later, still well-formed DER
    gen = response.find(b"\x18\x0f" + ts.gen_time[:4].encode()) + 2 + 13
    assert gen > 15
    tampered = response[:gen] + bytes([response[gen] ^ 1]) + response[gen + 1:]
    assert not tsa.verify(tampered, bytes.fromhex(ts.hash), anchors).ok
    assert not tsa.verify(response, bytes.fromhex(ts.hash), []).ok  # no anchor, no verification


def test_the_cli_reports_each_stamp_and_fails_on_a_tampered_token(db, ref, providers, tmp_path):
    fp, inc, ts = _stamped(db, providers)
    data = audit_file.bundle(inc.id)
    good = tmp_path / "dossie.json"
    good.write_text(json.dumps(data))
    env = {**os.environ, "SAAE_TSA_CA_FILE": str(fp.ca.ca_file)}
    out = subprocess.run(CLI + ["incidents", "verify", str(good)], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert f"carimbo do tempo sobre o registro {ts.seq}: verificado (TSA " in out.stdout
    # the token's signature bytes changed: the signature no longer verifies
    raw = bytearray(base64.b64decode(ts.token_b64))
    raw[-5] ^= 0x01
    data["timestamps"][0]["token_b64"] = base64.b64encode(bytes(raw)).decode()
    bad = tmp_path / "alterado.json"
    bad.write_text(json.dumps(data))
    out = subprocess.run(CLI + ["incidents", "verify", str(bad)], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 1 and f"registro {ts.seq}: carimbo não confere" in out.stderr
    # without a trust anchor the stamp is not taken on faith
    env.pop("SAAE_TSA_CA_FILE")
    out = subprocess.run(CLI + ["incidents", "verify", str(good)], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 1 and "ancora de confianca" in out.stderr


def test_an_answer_that_does_not_verify_is_not_granted(db, ref, providers, app):
    """The app trusts another root: the TSA answers, but the stamp is recorded as an error."""
    import dataclasses

    fp, base = providers
    old = app.config["SAAE_SETTINGS"]
    stranger = make_ca(fp.ca.dir / "estranha", cn="Estranha")
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, tsa_ca_file=str(stranger.ca_file))
    try:
        inc = svc.open_incident(title="Vazamento D", kind="interrupcao", origin="operador",
                                notify=False)
        svc.close(inc.id, "ok")
        db.commit()
        ts = evidence.timestamp_head(inc.id, f"{base}/tsa")
    finally:
        app.config["SAAE_SETTINGS"] = old
    assert ts.status == "erro" and "carimbo não confere" in ts.error
    assert evidence.unstamped_heads() == [inc.id]  # tried again on the next run


def test_a_tsa_sending_its_chain_unsorted_still_verifies(tmp_path):
    """OpenSSL's TSA with an intermediate CA puts the certificates SET in chain order (not
    DER-sorted); rfc3161-client alone refuses to parse it; the SET is re-encoded first."""
    import hashlib

    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

    ca = make_ca(tmp_path / "cadeia", cn="TSA com intermediaria", intermediate=True)
    head = hashlib.sha256(b"cabeca da cadeia").digest()
    req = TimestampRequestBuilder().data(head).hash_algorithm(HashAlgorithm.SHA256).build()
    response = ca.reply(req.as_bytes())
    try:
        decode_timestamp_response(response)
        sorted_already = True
    except ValueError:
        sorted_already = False
    v = tsa.verify(response, head, tsa.load_anchors(ca.ca_file))
    assert v.ok, v.error
    assert "TSA com intermediaria" in v.tsa_name
    print("OpenSSL's certificate SET was", "sorted" if sorted_already else "unsorted")
