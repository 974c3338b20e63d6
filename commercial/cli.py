"""`saae comercial ...`: import a bank return file from the command line (the same
all-or-nothing import as the page and the API)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from sqlalchemy import select

from commercial.domain.return_outcomes import APPLIED, LineOutcome
from commercial.models.payments import ReturnLine
from commercial.services import return_import
from core import fmt
from core.audit import Actor, audit_context
from core.auth import User
from core.cli_app import cli_app
from core.db import session
from core.errors import DomainError


@click.group("comercial", help="Comercial: arquivos de retorno dos bancos.")
def commercial() -> None:
    pass


def _actor(username: str | None) -> Actor:
    if not username:
        return Actor(None, f"linha de comando ({getpass.getuser()})")
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"Usuário {username} não encontrado.")
    return Actor(user.id, user.username)


@commercial.command("importar-retorno")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--usuario", default=None, help="Quem importa (nome de usuário do sistema).")
@click.option("--mostrar", default=50, show_default=True,
              help="Quantas linhas não aplicadas listar.")
def import_return(file: str, usuario: str | None, mostrar: int) -> None:
    """Import a FEBRABAN 150 return file (collection or direct debit). Prints the count per
    outcome and the lines not applied; exit status 1 when the file is refused."""
    path = Path(file)
    with cli_app("saae-commercial-cli").app_context():
        try:
            with audit_context(actor=_actor(usuario)):
                f = return_import.import_return_file(path.read_bytes(), path.name)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Arquivo nº {f.id} ({f.file_name}): {f.lines} linha(s), "
                   f"total {fmt.money(f.total)}, baixado {fmt.money(f.applied_amount)}.")
        for outcome, n in sorted(f.counts.items()):
            click.echo(f"  {LineOutcome(outcome).label}: {n}")
        rows = session.scalars(select(ReturnLine).where(
            ReturnLine.file_id == f.id, ReturnLine.outcome.not_in([o.value for o in APPLIED]))
            .order_by(ReturnLine.line_no).limit(mostrar))
        for ln in rows:
            click.echo(f"  linha {ln.line_no}: {ln.message}")


commands: list[click.Command] = [commercial]
