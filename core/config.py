"""Frozen settings read from SAAE_* environment variables.

Every key is declared here; an unknown SAAE_* variable is a typo and stops the start-up,
because a misspelt SAAE_SECRET_KEY silently falling back to a default is worse than a crash.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import typing
from collections.abc import Mapping
from pathlib import Path

PREFIX = "SAAE_"


class ConfigError(RuntimeError):
    """The environment does not describe a valid configuration."""


@dataclasses.dataclass(frozen=True)
class Settings:
    # --- general ---
    env: str = "development"  # development | test | production
    secret_key: str = ""
    data_dir: Path = Path("var")
    public_base_url: str = "http://127.0.0.1:5000"
    utility_name: str = "SAAE"
    timezone: str = "America/Sao_Paulo"
    # --- database ---
    database_url: str = "sqlite:///var/saae.db"
    # --- tasks ---
    task_runner: str = "inprocess"  # inprocess | celery
    broker_url: str = "redis://127.0.0.1:6379/0"
    outbox_interval_seconds: float = 2.0
    # --- accounts (tender 7.1) ---
    session_idle_minutes: int = 30
    login_max_attempts: int = 5
    login_lockout_minutes: int = 15
    password_min_length: int = 10
    password_max_age_days: int = 90
    ldap_url: str = ""  # e.g. ldaps://ad.saae.local; empty = LDAP off
    ldap_user_dn_template: str = ""  # e.g. "{username}@saae.local" or "uid={username},ou=people,dc=x"
    ldap_timeout_seconds: int = 5
    # --- e-mail ---
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "nao-responda@saae.local"
    # --- telemetry ---
    timeseries_url: str = "sql"  # "sql" (embedded table) or http://127.0.0.1:8086 (InfluxDB v1 API)
    influx_database: str = "saae"
    influx_user: str = ""
    influx_password: str = ""
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    telemetry_config: str = ""  # path to the connectors TOML; empty = the built-in simulator's
    ingest_buffer_dir: str = ""  # disk buffer for readings while the store is down
    simulator: bool = True  # `saae demo` runs the SCADA simulator in process
    # --- notifications ---
    notify_provider: str = "outbox"  # outbox (local page, demo) | real
    whatsapp_api_url: str = ""
    whatsapp_token: str = ""
    whatsapp_phone_number_id: str = ""
    sms_api_url: str = ""
    sms_token: str = ""
    sms_sender: str = ""  # sender id / short code for the SMS gateway
    whatsapp_verify_token: str = ""  # webhook subscription check (hub.verify_token)
    whatsapp_app_secret: str = ""  # webhook signature (X-Hub-Signature-256); empty = unchecked
    sms_webhook_token: str = ""  # shared secret the SMS gateway sends on status callbacks
    tsa_url: str = ""  # RFC 3161 timestamp authority; empty = no timestamps
    # --- lims ---
    lims_auto_publish_after_closing: bool = False
    lims_report_recipients: str = ""  # comma-separated e-mails for the monthly LIMS reports
    # --- incidents ---
    incidents_auto_resolve: bool = True
    incidents_auto_notify: bool = True  # notify the affected when a serious incident opens
    incidents_auto_work_order: bool = True  # open and assign an OS for serious incidents
    incidents_retry_base_seconds: float = 30.0  # first retry of a failed send (doubles)
    incidents_max_attempts: int = 6
    incidents_auto_min_severity: str = "media"  # lowest anomaly severity that auto-notifies / opens an OS

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: typing.Any) -> Settings:
        """Build settings from `environ` (default: os.environ) plus explicit overrides."""
        environ = os.environ if environ is None else environ
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        values: dict[str, typing.Any] = {}
        unknown = []
        for key, raw in environ.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX):].lower()
            if name not in fields:
                unknown.append(key)
                continue
            values[name] = _convert(key, raw, hints[name])
        if unknown:
            raise ConfigError(f"Variáveis de ambiente desconhecidas: {', '.join(sorted(unknown))}")
        for name, value in overrides.items():
            if name not in fields:
                raise ConfigError(f"Configuração desconhecida: {name}")
            if isinstance(value, str) and hints[name] is not str:
                value = _convert(PREFIX + name.upper(), value, hints[name])
            values[name] = value
        settings = cls(**values)
        settings.validate()
        if not settings.secret_key and not settings.is_production:
            # development and tests get a random key per process
            settings = dataclasses.replace(settings, secret_key=secrets.token_hex(32))
        return settings

    def validate(self) -> None:
        if self.env not in {"development", "test", "production"}:
            raise ConfigError("SAAE_ENV deve ser development, test ou production")
        if self.is_production and len(self.secret_key) < 32:
            raise ConfigError(
                "Em produção, SAAE_SECRET_KEY e obrigatória (mínimo de 32 caracteres)"
            )
        if self.task_runner not in {"inprocess", "celery"}:
            raise ConfigError("SAAE_TASK_RUNNER deve ser inprocess ou celery")
        if self.notify_provider not in {"outbox", "real"}:
            raise ConfigError("SAAE_NOTIFY_PROVIDER deve ser outbox ou real")


def _convert(key: str, raw: str, hint: typing.Any) -> typing.Any:
    try:
        if hint is bool:
            low = raw.strip().lower()
            if low in {"1", "true", "yes", "on", "sim"}:
                return True
            if low in {"0", "false", "no", "off", "nao", ""}:
                return False
            raise ValueError(raw)
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
        if hint is Path:
            return Path(raw)
        return raw
    except ValueError as exc:
        raise ConfigError(f"Valor inválido para {key}: {raw!r}") from exc
