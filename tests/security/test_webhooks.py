"""Item 10: forged delivery receipts. On the main of 2026-12-04 an anonymous POST to the
WhatsApp webhook (no app secret configured: the signature went unchecked) marked the message
read and added the receipt to the incident's evidence chain; production started with the real
WhatsApp provider and no app secret."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import func, select

from core.config import ConfigError, Settings
from incidents.models import Message, Receipt
from incidents.services import notify
from tests.incidents.test_views import _incident

PROD = {"SAAE_ENV": "production", "SAAE_SECRET_KEY": "k" * 40,
        "SAAE_DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/x"}


@pytest.fixture()
def ref(db):  # type: ignore[no-untyped-def]
    from incidents import demo, seed

    seed.seed_reference()
    demo.seed_technicians()
    db.commit()


def _forged(message: Message) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [
            {"id": message.provider_message_id, "status": "read", "timestamp": "1764700000",
             "recipient_id": "5519998765432"}]}}]}]}).encode()


def test_anonymous_receipt_is_refused_without_an_app_secret(db, ref, client, app):
    old = app.config["SAAE_SETTINGS"]
    app.config["SAAE_SETTINGS"] = dataclasses.replace(old, whatsapp_app_secret="")
    try:
        inc = _incident(db)
        [m] = notify.messages(inc.id)
        before = m.status
        receipts = db.scalar(select(func.count()).select_from(Receipt).where(Receipt.message_id == m.id))
        r = client.post("/api/v1/incidentes/webhooks/whatsapp", data=_forged(m),
                        content_type="application/json")
        assert r.status_code == 403
        db.refresh(m)
        assert m.status == before and m.read_at is None
        assert db.scalar(select(func.count()).select_from(Receipt).where(
            Receipt.message_id == m.id)) == receipts
        # a wrong signature is refused as well once a secret is set
        app.config["SAAE_SETTINGS"] = dataclasses.replace(old, whatsapp_app_secret="s" * 32)
        r = client.post("/api/v1/incidentes/webhooks/whatsapp", data=_forged(m),
                        content_type="application/json",
                        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
        assert r.status_code == 403
        assert client.post("/api/v1/incidentes/webhooks/sms", json={"id": m.provider_message_id,
                           "status": "read"}).status_code == 403
    finally:
        app.config["SAAE_SETTINGS"] = old


def test_production_refuses_the_real_whatsapp_without_its_secrets():
    env = {**PROD, "SAAE_NOTIFY_PROVIDER": "real", "SAAE_WHATSAPP_TOKEN": "t",
           "SAAE_WHATSAPP_API_URL": "https://graph.facebook.com/v20.0"}
    with pytest.raises(ConfigError, match="WHATSAPP_APP_SECRET"):
        Settings.from_env(env)
    ok = Settings.from_env({**env, "SAAE_WHATSAPP_APP_SECRET": "a" * 32,
                            "SAAE_WHATSAPP_VERIFY_TOKEN": "v" * 20})
    assert ok.whatsapp_app_secret
    with pytest.raises(ConfigError, match="SMS_WEBHOOK_TOKEN"):
        Settings.from_env({**PROD, "SAAE_NOTIFY_PROVIDER": "real", "SAAE_SMS_API_URL": "https://sms"})
