"""Settings: frozen, from SAAE_* variables, unknown keys refused, production needs a secret."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.config import ConfigError, Settings


def test_defaults_are_a_working_development_setup():
    s = Settings.from_env({})
    assert s.env == "development" and s.is_sqlite and s.task_runner == "inprocess"
    assert len(s.secret_key) >= 32  # a random key per process in development
    assert s.ldap_url == ""


def test_values_are_converted_from_the_environment():
    s = Settings.from_env({
        "SAAE_SESSION_IDLE_MINUTES": "5", "SAAE_SMTP_STARTTLS": "sim",
        "SAAE_OUTBOX_INTERVAL_SECONDS": "0.5", "SAAE_DATA_DIR": "/tmp/saae",
        "PATH": "/usr/bin", "OTHER_SAAE_THING": "ignored",
    })
    assert s.session_idle_minutes == 5 and s.smtp_starttls is True
    assert s.outbox_interval_seconds == 0.5 and s.data_dir == Path("/tmp/saae")


def test_settings_are_frozen():
    s = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.env = "production"  # type: ignore[misc]


def test_unknown_saae_variable_is_refused():
    with pytest.raises(ConfigError, match="SAAE_SECRETKEY"):
        Settings.from_env({"SAAE_SECRETKEY": "typo"})
    with pytest.raises(ConfigError):
        Settings.from_env({}, not_a_setting=1)


@pytest.mark.parametrize(("key", "value"), [
    ("SAAE_LOGIN_MAX_ATTEMPTS", "cinco"),
    ("SAAE_SMTP_STARTTLS", "talvez"),
    ("SAAE_ENV", "staging"),
    ("SAAE_TASK_RUNNER", "cron"),
])
def test_invalid_values_are_refused(key, value):
    with pytest.raises(ConfigError):
        Settings.from_env({key: value})


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="SAAE_SECRET_KEY"):
        Settings.from_env({"SAAE_ENV": "production"})
    with pytest.raises(ConfigError, match="SAAE_SECRET_KEY"):
        Settings.from_env({"SAAE_ENV": "production", "SAAE_SECRET_KEY": "curta"})
    key = "k" * 40
    s = Settings.from_env({"SAAE_ENV": "production", "SAAE_SECRET_KEY": key})
    assert s.is_production and s.secret_key == key


def test_the_cli_reports_a_bad_environment(monkeypatch):
    from click.testing import CliRunner

    from saae.cli import main

    monkeypatch.setenv("SAAE_ENV", "production")
    monkeypatch.delenv("SAAE_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0 and "SAAE_SECRET_KEY" in result.output


def test_a_production_app_starts_with_a_key_and_secure_cookies(settings):
    from saae.app import create_app

    prod = dataclasses.replace(settings, env="production", secret_key="s" * 40)
    app = create_app(prod)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.secret_key == "s" * 40
