"""Frozen settings read from SAAE_* environment variables.

Every key is declared here; an unknown SAAE_* variable is a typo and stops the start-up,
because a misspelt SAAE_SECRET_KEY silently falling back to a default is worse than a crash.
"""

from __future__ import annotations

import dataclasses
import ipaddress
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
    # reverse proxies in front of the web processes (nginx = 1): their X-Forwarded-For and
    # -Proto are believed, so throttling and logs see the visitor's address, not the proxy's
    proxy_hops: int = 0
    # --- database ---
    database_url: str = "sqlite:///var/saae.db"
    # --- tasks ---
    task_runner: str = "inprocess"  # inprocess | celery (the default, and required, in production)
    broker_url: str = "redis://127.0.0.1:6379/0"
    task_queue: str = "celery"  # the broker queue of this install (two installs on one broker)
    outbox_interval_seconds: float = 2.0
    job_heartbeat_seconds: float = 10.0  # a running long job records it is alive this often
    job_stale_seconds: float = 120.0  # no heartbeat for this long: the job's worker died
    # --- accounts (tender 7.1) ---
    session_idle_minutes: int = 30
    login_max_attempts: int = 5  # failures per account before the waits start
    login_lockout_minutes: int = 15  # the longest wait, and how long failures are remembered
    login_delay_seconds: float = 30.0  # first wait; doubles at each further failure
    login_ip_max_attempts: int = 20  # failures per address (any accounts) before its waits start
    # addresses that skip the per-account wait (a locked administrator at the office), CIDR list
    login_trusted_networks: str = ""
    # where attempts are counted: "memory" (one process: the demo) or redis://... (production)
    throttle_store_url: str = ""
    portal_searches_per_minute: int = 20  # per address, on /portal/minha-agua
    portal_requests_per_hour: int = 10  # sendings of /portal/solicitar per address and hour
    # public pages (portal, open data) kept by each web process for this many seconds, never
    # longer than their own Cache-Control max-age (core/public_cache.py); 0 = off; production
    # default 60
    public_cache_seconds: int = 0
    public_cache_megabytes: int = 32  # per web process
    complaints_per_incident: int = 3  # complaints of one kind in one sector that open an incident
    complaint_window_hours: int = 24  # ... within this many hours (0 complaints = never)
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
    ingest_instance: str = ""  # several `saae ingest` on one MQTT share_group: 1, 2, ... (README)
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
    whatsapp_app_secret: str = ""  # webhook signature (X-Hub-Signature-256); empty = webhook refused
    sms_webhook_token: str = ""  # shared secret the SMS gateway sends on status callbacks
    tsa_url: str = ""  # RFC 3161 timestamp authority; empty = no timestamps
    tsa_ca_file: str = ""  # PEM trust anchor(s) the TSA's certificate must chain up to
    # --- lims ---
    lims_auto_publish_after_closing: bool = False
    lims_report_recipients: str = ""  # comma-separated e-mails for the monthly LIMS reports
    lims_instrument_warning_days: int = 15  # the home page warns this many days before a calibration is due
    # --- incidents ---
    incidents_auto_resolve: bool = True
    incidents_auto_notify: bool = True  # notify the affected when a serious incident opens
    incidents_auto_work_order: bool = True  # open and assign an OS for serious incidents
    incidents_retry_base_seconds: float = 30.0  # first retry of a failed send (doubles)
    incidents_max_attempts: int = 6
    incidents_auto_min_severity: str = "media"  # lowest anomaly severity that auto-notifies / opens an OS
    # alarm flood (ISA-18.2): process anomalies of one sector and kind within this many
    # minutes of an open incident are one cause: attached to it, not a new incident; 0 = off
    incidents_flood_window_minutes: int = 15

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def throttle_url_or_default(self) -> str:
        """The throttle store: as set; else the Redis broker in production; else memory."""
        if self.throttle_store_url:
            return self.throttle_store_url
        if self.is_production and self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return "memory"

    def trusted_networks(self) -> list[typing.Any]:
        return [ipaddress.ip_network(n.strip(), strict=False)
                for n in self.login_trusted_networks.split(",") if n.strip()]

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
        if values.get("env") == "production" and "task_runner" not in values:
            values["task_runner"] = "celery"  # jobs never run inside a web worker in production
        if values.get("env") == "production" and "public_cache_seconds" not in values:
            values["public_cache_seconds"] = 60
        settings = cls(**values)
        settings.validate()
        if not settings.secret_key and not settings.is_production:
            # development and tests get a random key per process
            settings = dataclasses.replace(settings, secret_key=secrets.token_hex(32))
        return settings

    def validate(self) -> None:
        """Refuse settings that cannot work (ConfigError, a pt-BR message naming the variable)."""
        self._check_runtime()
        self._check_security()

    def _check_runtime(self) -> None:
        if self.env not in {"development", "test", "production"}:
            raise ConfigError("SAAE_ENV deve ser development, test ou production")
        if self.is_production and len(self.secret_key) < 32:
            raise ConfigError(
                "Em produção, SAAE_SECRET_KEY e obrigatória (mínimo de 32 caracteres)"
            )
        if self.task_runner not in {"inprocess", "celery"}:
            raise ConfigError("SAAE_TASK_RUNNER deve ser inprocess ou celery")
        if self.is_production and self.task_runner != "celery":
            raise ConfigError(
                "Em producao, SAAE_TASK_RUNNER deve ser celery: com inprocess os trabalhos "
                "longos (lotes de faturas, envios) rodariam dentro do processo web e morreriam "
                "com ele")
        if self.job_stale_seconds < 3 * self.job_heartbeat_seconds:
            raise ConfigError("SAAE_JOB_STALE_SECONDS deve ser ao menos 3x SAAE_JOB_HEARTBEAT_SECONDS")
        if self.notify_provider not in {"outbox", "real"}:
            raise ConfigError("SAAE_NOTIFY_PROVIDER deve ser outbox ou real")
        if self.public_cache_seconds < 0 or self.public_cache_megabytes < 1:
            raise ConfigError("SAAE_PUBLIC_CACHE_SECONDS deve ser 0 ou mais e "
                              "SAAE_PUBLIC_CACHE_MEGABYTES ao menos 1")

    def _check_security(self) -> None:
        if self.tsa_url and not self.tsa_ca_file:
            raise ConfigError("SAAE_TSA_URL exige SAAE_TSA_CA_FILE (a ancora de confianca que "
                              "verifica os carimbos do tempo)")
        if self.is_production and not self.throttle_url_or_default().startswith(("redis://", "rediss://")):
            raise ConfigError(
                "Em producao, SAAE_THROTTLE_STORE_URL deve ser um Redis (redis://...): os processos "
                "do servidor precisam dividir as contagens de tentativas de login")
        try:
            self.trusted_networks()
        except ValueError as exc:
            raise ConfigError(f"SAAE_LOGIN_TRUSTED_NETWORKS inválida: {exc}") from exc
        if self.is_production and self.notify_provider == "real":
            self._check_webhooks()

    def _check_webhooks(self) -> None:
        # a webhook nobody can check lets anyone mark notices delivered or read, and the
        # forged receipt would enter the incident's evidence chain
        if (self.whatsapp_api_url or self.whatsapp_token) and not (
                self.whatsapp_app_secret and self.whatsapp_verify_token):
            raise ConfigError(
                "Em producao, com o WhatsApp real, SAAE_WHATSAPP_APP_SECRET e "
                "SAAE_WHATSAPP_VERIFY_TOKEN sao obrigatorias (assinatura dos recibos de entrega)")
        if self.sms_api_url and len(self.sms_webhook_token) < 16:
            raise ConfigError(
                "Em produção, com o SMS real, SAAE_SMS_WEBHOOK_TOKEN é obrigatória (mínimo de "
                "16 caracteres): sem ela qualquer um forja recibos de entrega")


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
