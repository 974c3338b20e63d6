"""Incidents test fixtures: reference data, consumers (through commercial's services), and
local servers on 127.0.0.1 speaking each provider's protocol: the WhatsApp Cloud API, an SMS
gateway, an RFC 3161 TSA (http.server threads) and SMTP (aiosmtpd)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.tsa_peer import TestCA, make_ca

_n = itertools.count(1)


@pytest.fixture()
def ref(db):
    from incidents import demo, seed

    seed.seed_reference()
    demo.seed_technicians()
    db.commit()


@pytest.fixture()
def group(db):
    from commercial.models import BillingGroup

    g = BillingGroup(number=900 + next(_n), name="Grupo incidentes", reading_day=18,
                     processing_day=20, due_day=5)
    db.add(g)
    db.commit()
    return g


@pytest.fixture()
def make_consumer(db, group) -> Callable[..., Any]:
    from commercial.services import registry

    def make(name: str = "Maria Silva", mobile: str | None = "(19) 99876-5432",
             email: str | None = None, sector: str = "SET-02", neighbourhood: str = "Alto da Serra",
             channels: list[str] | None = None) -> Any:
        chans = channels if channels is not None else (["whatsapp"] if mobile else []) + (["email"] if email else [])
        consumer = registry.save_consumer({"name": name, "phones": [mobile] if mobile else [],
                                           "email": email, "channels": chans, "consent": True})
        registry.save_connection({
            "consumer_id": consumer.id, "street": "Rua da Serra", "house_number": str(next(_n)),
            "neighbourhood": neighbourhood, "city": "Vale Verde", "sector_code": sector,
            "segment_code": f"{sector}-T01", "residencial": 1, "billing_group_id": group.id,
            "meter_number": f"Y25B{next(_n):06d}", "latitude": -22.89, "longitude": -47.05})
        db.commit()
        return consumer

    return make


class FakeProviders:
    """Records every request; `fail_next[to] = n` makes the next n sends to `to` answer 500."""

    def __init__(self, ca: TestCA) -> None:
        self.ca = ca  # the TSA's test CA (OpenSSL's `ts -reply` signs the stamps)
        self.whatsapp: list[dict[str, Any]] = []
        self.sms: list[dict[str, Any]] = []
        self.tsa: list[bytes] = []
        self.fail_next: dict[str, int] = {}
        self.lock = threading.Lock()
        self.n = itertools.count(1)


def _handler(fp: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def _json(self, code: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/tsa":
                return self._tsa(body)
            if self.headers.get("Authorization") != "Bearer tok-test":
                return self._json(401, {"error": {"message": "Invalid OAuth access token",
                                                  "type": "OAuthException", "code": 190}})
            data = json.loads(body)
            to = data.get("to", "")
            with fp.lock:
                if fp.fail_next.get(to, 0) > 0:
                    fp.fail_next[to] -= 1
                    return self._json(500, {"error": {"message": "temporarily unavailable",
                                                      "code": 2, "type": "OAuthException"}})
                n = next(fp.n)
            if self.path.endswith("/PHONE123/messages"):
                if data.get("messaging_product") != "whatsapp" or not to.isdigit():
                    return self._json(400, {"error": {"message": "bad request", "code": 100}})
                fp.whatsapp.append(data)
                return self._json(200, {"messaging_product": "whatsapp",
                                        "contacts": [{"input": to, "wa_id": to}],
                                        "messages": [{"id": f"wamid.TEST{n:04d}"}]})
            if self.path == "/sms/messages":
                fp.sms.append(data)
                return self._json(201, {"id": f"sms-{n}", "status": "accepted"})
            return self._json(404, {"error": {"message": "not found"}})

        def _tsa(self, body: bytes) -> None:
            fp.tsa.append(body)
            raw = fp.ca.reply(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return H


@pytest.fixture(scope="session")
def tsa_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_ca(tmp_path_factory.mktemp("tsa"))


@pytest.fixture()
def providers(app, tsa_ca) -> Iterator[tuple[FakeProviders, str]]:
    """The local servers; the app trusts the test TSA's root while they run."""
    fp = FakeProviders(tsa_ca)
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, tsa_ca_file=str(tsa_ca.ca_file))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fp))
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield fp, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        app.config["SAAE_SETTINGS"] = old
        server.shutdown()
        server.server_close()


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.content.decode("utf-8", "replace"),
                              "sha": hashlib.sha256(envelope.content).hexdigest()})
        return "250 OK queued as TEST"


@pytest.fixture()
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield sink, port
    finally:
        ctl.stop()


WEBHOOK_SECRET = "segredo-dos-webhooks-de-teste"  # real providers: every webhook is signed


def whatsapp_signature(body: bytes) -> str:
    """The X-Hub-Signature-256 the WhatsApp Cloud API sends with a webhook body."""
    import hashlib
    import hmac

    return "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture()
def real_channels(app, providers, smtp) -> Iterator[tuple[FakeProviders, SmtpSink]]:
    """The app configured with the real provider classes, pointed at the local servers."""
    fp, base = providers
    sink, port = smtp
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(
        old, notify_provider="real", whatsapp_api_url=f"{base}/v19.0", whatsapp_token="tok-test",
        whatsapp_phone_number_id="PHONE123", sms_api_url=f"{base}/sms", sms_token="tok-test",
        smtp_host="127.0.0.1", smtp_port=port, tsa_url=f"{base}/tsa",
        incidents_retry_base_seconds=0.0, whatsapp_app_secret=WEBHOOK_SECRET,
        sms_webhook_token=WEBHOOK_SECRET)
    try:
        yield fp, sink
    finally:
        app.config["SAAE_SETTINGS"] = old
