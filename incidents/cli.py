"""`saae incidents ...`: export an incident's audit file, verify one, send pending messages."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from core.cli_app import cli_app, settings_from_env
from core.db import session
from incidents import tsa
from incidents.audit_file import check_stamps, export_zip, read_file, verify_bundle
from incidents.models import Incident
from incidents.tasks import dispatch_pending


@click.group("incidents", help="Incidentes: dossie de auditoria e envio de avisos.")
def incidents() -> None:
    pass


@incidents.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--tsa-ca", "tsa_ca", type=click.Path(exists=True, dir_okay=False), default=None,
              help="PEM com a(s) ancora(s) de confianca da TSA (padrao: SAAE_TSA_CA_FILE).")
def verify(file: str, tsa_ca: str | None) -> None:
    """Check an audit file (ZIP or JSON): hash chain, content hashes, manifest and each RFC 3161
    time stamp (signature, TSA certificate up to the trust anchor, imprint). Exit 1 if broken."""
    if tsa_ca is None:
        tsa_ca = settings_from_env().tsa_ca_file or None
    try:
        anchors = tsa.load_anchors(tsa_ca) if tsa_ca else []
    except tsa.TrustAnchorError as exc:
        raise click.ClickException(str(exc)) from exc
    data, problems = read_file(file)
    if data:
        problems += verify_bundle(data, anchors)
        for t, v in check_stamps(data, anchors):
            if v.ok:
                click.echo(f"carimbo do tempo sobre o registro {t['seq']}: verificado "
                           f"(TSA {v.tsa_name}, {v.gen_time}, serie {v.serial})")
    if problems:
        for p in problems:
            click.echo(f"FALHA: {p}", err=True)
        raise SystemExit(1)
    click.echo("OK: dossie integro (cadeia de evidências, conteúdos e carimbos do tempo conferem)")


@incidents.command("export")
@click.argument("protocol")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None)
def export(protocol: str, out: str | None) -> None:
    """Write the audit ZIP (PDF + JSON bundle) of the incident with this protocol."""
    with cli_app("saae-incidents-cli").app_context():
        inc = session.scalars(select(Incident).where(Incident.protocol == protocol)).first()
        if inc is None:
            raise click.ClickException(f"Incidente {protocol} não encontrado")
        path = Path(out or f"dossie-{protocol}.zip")
        path.write_bytes(export_zip(inc.id))
    click.echo(str(path))


@incidents.command("dispatch")
def dispatch() -> None:
    """Send the messages that are due now (retries included)."""
    with cli_app("saae-incidents-cli").app_context():
        click.echo(str(dispatch_pending()))


commands: list[click.Command] = [incidents]
