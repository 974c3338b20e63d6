"""`saae incidents ...`: export an incident's audit file, verify one, send pending messages."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("incidents", help="Incidentes: dossie de auditoria e envio de avisos.")
def incidents() -> None:
    pass


@incidents.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify(file: str) -> None:
    """Check an audit file (ZIP or JSON): hash chain, content hashes, manifest. Exit 1 if broken."""
    from incidents.audit_file import verify_file

    problems = verify_file(file)
    if problems:
        for p in problems:
            click.echo(f"FALHA: {p}", err=True)
        raise SystemExit(1)
    click.echo("OK: dossie integro (cadeia de evidências e conteúdos conferem)")


def _app():  # type: ignore[no-untyped-def]
    """A bare Flask app carrying the settings and the engine (areas never import saae)."""
    from flask import Flask

    import incidents.models  # noqa: F401
    from core.config import ConfigError, Settings
    from core.db import init_engine

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    app = Flask("saae-incidents-cli")
    app.config["SAAE_SETTINGS"] = settings
    init_engine(settings.database_url)
    return app


@incidents.command("export")
@click.argument("protocol")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None)
def export(protocol: str, out: str | None) -> None:
    """Write the audit ZIP (PDF + JSON bundle) of the incident with this protocol."""
    from sqlalchemy import select

    from core.db import session
    from incidents.audit_file import export_zip
    from incidents.models import Incident

    with _app().app_context():
        inc = session.scalars(select(Incident).where(Incident.protocol == protocol)).first()
        if inc is None:
            raise click.ClickException(f"Incidente {protocol} não encontrado")
        path = Path(out or f"dossie-{protocol}.zip")
        path.write_bytes(export_zip(inc.id))
    click.echo(str(path))


@incidents.command("dispatch")
def dispatch() -> None:
    """Send the messages that are due now (retries included)."""
    from incidents.tasks import dispatch_pending

    with _app().app_context():
        click.echo(str(dispatch_pending()))


commands: list[click.Command] = [incidents]
