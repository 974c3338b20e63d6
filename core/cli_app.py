"""What an area's command-line tool runs in: the settings read from the environment (a bad
one is a click error, not a traceback) and a bare Flask app carrying them and the engine
(areas never import saae, so they never build the full application)."""

from __future__ import annotations

import click
from flask import Flask

from core.config import ConfigError, Settings
from core.db import init_engine


def settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def cli_app(name: str, settings: Settings | None = None) -> Flask:
    """A Flask app `name` with `settings` (read from the environment when not given) and the
    database engine initialised; work inside its `app_context()`."""
    settings = settings or settings_from_env()
    app = Flask(name)
    app.config["SAAE_SETTINGS"] = settings
    init_engine(settings.database_url)
    return app
