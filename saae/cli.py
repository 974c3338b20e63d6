"""The `saae` command."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from core.config import ConfigError, Settings
from saae.areas import each


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(help="SAAE: LIMS de qualidade da água + telemetria SCADA.")
@click.option("-v", "--verbose", is_flag=True, help="Mostrar mensagens de depuração.")
def main(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


@main.group()
def db() -> None:
    """Banco de dados."""


@db.command("upgrade")
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Aplica as migracoes (PostgreSQL ou SQLite, conforme SAAE_DATABASE_URL)."""
    from saae.migrate import upgrade

    settings = _settings()
    _ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url, revision)
    click.echo("Banco atualizado.")


@main.command()
def seed() -> None:
    """Carrega os dados de referencia (perfis, catalogo da Portaria 888...). Idempotente."""
    from saae.app import create_app
    from saae.seed import seed_reference

    app = create_app(_settings())
    with app.app_context():
        seed_reference()
    click.echo("Dados de referência carregados.")


@main.group()
def users() -> None:
    """Usuarios."""


@users.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Nome completo")
@click.option("--profile", "profiles", multiple=True, required=True,
              help="Perfil (pode repetir): coletor, distribuidor, analista, supervisor, gestor, "
                   "operador, técnico, administrador")
@click.password_option(help="Senha inicial (sera exigida troca no primeiro acesso)")
def users_create(username: str, name: str, profiles: tuple[str, ...], password: str) -> None:
    """Cria um usuario."""
    from core.auth import Profile, password_problems
    from core.db import unit_of_work
    from saae.app import create_app
    from saae.seed import create_user

    settings = _settings()
    try:
        profs = [Profile(p) for p in profiles]
    except ValueError as exc:
        raise click.ClickException(f"Perfil inválido: {exc}") from exc
    problems = password_problems(password, settings, username)
    if problems:
        raise click.ClickException(" ".join(problems))
    app = create_app(settings)
    with app.app_context(), unit_of_work():
        create_user(username.lower(), name, profs, password, must_change=True)
    click.echo(f"Usuário {username} criado.")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve a aplicacao web (waitress). Em producao use gunicorn 'saae.wsgi:app'."""
    from waitress import serve as wserve

    from saae.app import create_app

    app = create_app(_settings())
    click.echo(f"Servindo em http://{host}:{port}/")
    wserve(app, host=host, port=port, threads=threads)


@main.command()
@click.option("--beat/--no-beat", default=True, help="Também executar o agendador (beat).")
@click.option("--concurrency", default=2, type=int)
def worker(beat: bool, concurrency: int) -> None:
    """Inicia um worker Celery (broker Redis por padrao)."""
    from saae.app import create_app
    from saae.worker import make_celery

    celery = make_celery(create_app(_settings(task_runner="celery")))
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if beat:
        argv.append("--beat")
    celery.worker_main(argv)


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--reset", is_flag=True, help="Apaga e recria o banco da demonstração.")
@click.option("--no-serve", is_flag=True, help="Apenas prepara o banco (para testes).")
def demo(host: str, port: int, reset: bool, no_serve: bool) -> None:
    """Demonstracao embutida: SQLite, tarefas em processo, simulador SCADA, dados de exemplo."""
    from saae.app import create_app
    from saae.migrate import upgrade
    from saae.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from saae.worker import InProcessRunner

    os.environ.setdefault("SAAE_DATABASE_URL", "sqlite:///var/demo.db")
    os.environ.setdefault("SAAE_TASK_RUNNER", "inprocess")
    settings = _settings()
    url = settings.database_url
    _ensure_sqlite_dir(url)
    db_file = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
    fresh = db_file is not None and (reset or not db_file.exists())
    if fresh and db_file is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    click.echo("Aplicando migracoes...")
    upgrade(url)
    app = create_app(settings)
    if fresh:
        click.echo("Carregando a demonstração (SAAE Vale Verde, ~61 mil habitantes)...")
        with app.app_context():
            seed_demo()
    if no_serve:
        click.echo("Banco da demonstração pronto.")
        return
    # the areas' background work first (telemetry's SCADA writes its first readings), then
    # the periodic tasks, so the first monitor pass does not see the seed-to-start silence
    for _area, mod in each("cli"):
        start = getattr(mod, "demo_background", None)
        if start is not None:
            start(app)
    runner = InProcessRunner(app).start()
    click.echo("")
    click.echo("=" * 64)
    click.echo(f"  SAAE demo pronto: abra http://{host}:{port}/")
    click.echo(f"  Senha de todos os usuários de demonstração: {DEMO_PASSWORD}")
    for username, name, profiles in DEMO_USERS:
        click.echo(f"    {username:<13} {name} ({', '.join(p.value for p in profiles)})")
    click.echo("  Ctrl+C para encerrar.")
    click.echo("=" * 64)
    sys.stdout.flush()
    from waitress import serve as wserve

    try:
        wserve(app, host=host, port=port, threads=8)
    finally:
        runner.stop()


for _area, _mod in each("cli"):
    for _cmd in getattr(_mod, "commands", []):
        main.add_command(_cmd)
