"""The `saae` command."""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

import click
from sqlalchemy import select
from waitress import serve as wserve

import commercial.cli
import incidents.cli
import telemetry.cli
from core import jobs as background_jobs
from core.auth import Profile, User, issue_recovery_codes, password_problems
from core.config import ConfigError, Settings
from core.db import session, unit_of_work
from portal_publico import seed as portal_seed
from saae.app import create_app
from saae.migrate import upgrade
from saae.seed import DEMO_PASSWORD, DEMO_USERS, create_user, seed_demo, seed_reference
from saae.worker import InProcessRunner, install_runner, make_celery

# The areas' top-level commands and the background work `saae demo` starts, listed by name.
AREA_COMMANDS = (*commercial.cli.commands, *incidents.cli.commands, *telemetry.cli.commands)
DEMO_BACKGROUND = (telemetry.cli.demo_background,)


def public_base_url(host: str, port: int) -> str:
    """The address people's links should use for a server listening on host:port: the host
    itself, or this machine's name when it listens on every interface."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn() or socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"http://{host}:{port}"


def _serving_settings(host: str, port: int) -> Settings:
    """Settings of a server about to listen on host:port: links sent to people (tracking,
    surveys) point where it answers, unless SAAE_PUBLIC_BASE_URL says otherwise (a reverse
    proxy, HTTPS)."""
    if os.environ.get("SAAE_PUBLIC_BASE_URL"):
        return _settings()
    return _settings(public_base_url=public_base_url(host, port))


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


def _app(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    """The app for a command that may enqueue work: jobs go to the configured runner (Celery:
    the broker; inprocess: this command runs them in the foreground)."""
    app = create_app(settings or _settings())
    if app.config["SAAE_SETTINGS"].task_runner == "celery":
        make_celery(app)
    return app


def _celery(app) -> bool:  # type: ignore[no-untyped-def]
    return app.config["SAAE_SETTINGS"].task_runner == "celery"


@main.group()
def db() -> None:
    """Banco de dados."""


@db.command("upgrade")
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Aplica as migrações (PostgreSQL ou SQLite, conforme SAAE_DATABASE_URL)."""
    settings = _settings()
    _ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url, revision)
    click.echo("Banco atualizado.")


@main.command()
def seed() -> None:
    """Carrega os dados de referencia (perfis, catalogo da Portaria 888...). Idempotente."""
    app = _app()
    with app.app_context():
        seed_reference()
    click.echo("Dados de referência carregados.")


@main.group()
def users() -> None:
    """Usuários."""


@users.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Nome completo")
@click.option("--profile", "profiles", multiple=True, required=True,
              help="Perfil (pode repetir): coletor, distribuidor, analista, supervisor, gestor, "
                   "operador, técnico, administrador")
@click.password_option(help="Senha inicial (será exigida troca no primeiro acesso)")
def users_create(username: str, name: str, profiles: tuple[str, ...], password: str) -> None:
    """Cria um usuário."""
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


@users.command("recovery-codes")
@click.argument("username")
def users_recovery_codes(username: str) -> None:
    """Emite 10 códigos de recuperação de uso único (os anteriores deixam de valer).

    Cada código deixa o usuário entrar mesmo com o acesso bloqueado por tentativas erradas
    (com a senha certa). Guarde-os impressos em local seguro."""
    app = create_app(_settings())
    with app.app_context(), unit_of_work():
        user = session.scalars(select(User).where(User.username == username.lower())).first()
        if user is None:
            raise click.ClickException(f"Usuário {username} não existe.")
        codes = issue_recovery_codes(user)
    click.echo(f"Códigos de recuperação de {username} (cada um vale uma vez):")
    for c in codes:
        click.echo("  " + c)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve a aplicacao web (waitress). Em producao use gunicorn 'saae.wsgi:app'."""
    settings = _serving_settings(host, port)
    app = create_app(settings)
    # celery: jobs go to the broker; inprocess (one-machine install): threads of this process
    runner = install_runner(app, beat=True)
    click.echo(f"Servindo em http://{host}:{port}/ (links enviados: {settings.public_base_url})")
    try:
        wserve(app, host=host, port=port, threads=threads)
    finally:
        if runner is not None:
            runner.stop()


@main.command()
@click.option("--beat/--no-beat", default=True, help="Também executar o agendador (beat).")
@click.option("--concurrency", default=2, type=int)
def worker(beat: bool, concurrency: int) -> None:
    """Inicia um worker Celery (broker Redis por padrao)."""
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
    """Demonstração embutida: SQLite, tarefas em processo, simulador SCADA, dados de exemplo."""
    os.environ.setdefault("SAAE_DATABASE_URL", "sqlite:///var/demo.db")
    os.environ.setdefault("SAAE_TASK_RUNNER", "inprocess")
    settings = _serving_settings(host, port)
    url = settings.database_url
    _ensure_sqlite_dir(url)
    db_file = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
    fresh = db_file is not None and (reset or not db_file.exists())
    if fresh and db_file is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    click.echo("Aplicando migrações...")
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
    for start in DEMO_BACKGROUND:
        start(app)
    runner = InProcessRunner(app).start()
    click.echo("")
    click.echo("=" * 64)
    click.echo(f"  SAAE demo pronto: abra http://{host}:{port}/")
    click.echo(f"  Links enviados (acompanhamento, pesquisa): {settings.public_base_url}")
    click.echo(f"  Senha de todos os usuários de demonstração: {DEMO_PASSWORD}")
    for username, name, profiles in DEMO_USERS:
        click.echo(f"    {username:<13} {name} ({', '.join(p.value for p in profiles)})")
    with app.app_context():
        office_login = portal_seed.demo_login()
    if office_login:
        click.echo(f"  Escritório virtual (http://{host}:{port}/portal/escritorio/entrar): "
                   f"CPF {office_login[0]}, matrícula {office_login[1]};")
        click.echo(f"    o código de acesso aparece na caixa de saída local "
                   f"(http://{host}:{port}/incidentes/caixa-de-saida, usuário operador)")
    click.echo("  Ctrl+C para encerrar.")
    click.echo("=" * 64)
    sys.stdout.flush()

    try:
        wserve(app, host=host, port=port, threads=8)
    finally:
        runner.stop()


@main.group()
def jobs() -> None:
    """Trabalhos longos (lotes de faturas, fechamentos, envios): listar, retomar, cancelar."""


@jobs.command("list")
@click.option("--estado", default=None, help="na_fila, executando, interrompido, falhou...")
def jobs_list(estado: str | None) -> None:
    """Lista os trabalhos recentes (marca antes os interrompidos)."""
    app = _app()
    with app.app_context():
        background_jobs.detect_interrupted()
        for j in background_jobs.recent(200, estado):
            click.echo(f"{j.id:>6}  {j.state:<12} {j.done:>7}/{j.total:<7} {j.title}"
                       + (f"  [{j.interrupted_reason}]" if j.interrupted_reason else ""))


@jobs.command("run")
@click.argument("job_id", type=int)
def jobs_run(job_id: int) -> None:
    """Executa aqui, em primeiro plano, um trabalho que esta na fila."""
    app = _app()
    with app.app_context():
        background_jobs.run(job_id)
        j = background_jobs.get(job_id)
        click.echo(f"Trabalho {job_id}: {j.state_label}" + (f" ({j.error})" if j.error else ""))
        if j.state != background_jobs.JobState.DONE:
            raise SystemExit(1)


@jobs.command("detect")
def jobs_detect() -> None:
    """Marca como interrompidos os trabalhos cujo worker parou."""
    app = _app()
    with app.app_context():
        click.echo(f"{background_jobs.detect_interrupted()} trabalho(s) interrompido(s).")


@jobs.command("resume")
@click.argument("job_id", type=int)
@click.option("--here", is_flag=True, help="Executar aqui, em primeiro plano.")
def jobs_resume(job_id: int, here: bool) -> None:
    """Retoma um trabalho interrompido ou que falhou."""
    app = _app()
    with app.app_context():
        background_jobs.detect_interrupted()
        foreground = here or not _celery(app)
        background_jobs.resume(job_id, username="cli", start=not foreground)
        if foreground:
            background_jobs.run(job_id)
        click.echo(f"Trabalho {job_id}: {background_jobs.get(job_id).state_label}")


@jobs.command("cancel")
@click.argument("job_id", type=int)
@click.option("--motivo", required=True)
def jobs_cancel(job_id: int, motivo: str) -> None:
    """Cancela um trabalho na fila, interrompido ou que falhou."""
    app = _app()
    with app.app_context():
        background_jobs.cancel(job_id, motivo, username="cli")
        click.echo(f"Trabalho {job_id} cancelado.")


@main.command("close-month")
@click.option("--ano", "year", type=int, required=True)
@click.option("--mes", "month", type=int, required=True)
def close_month(year: int, month: int) -> None:
    """Fecha o mes de todos os sistemas (um trabalho retomavel: sistemas ja fechados ficam)."""
    app = _app()
    with app.app_context():
        job = background_jobs.submit("lims.tasks.close_month_all", f"Fechamento mensal {month:02d}/{year}",
                         subject=f"lims.closing:{year}-{month:02d}",
                         kwargs={"year": year, "month": month}, permission="lims.closing.close",
                         start=_celery(app))
        click.echo(f"Trabalho {job.id} criado.")
        if not _celery(app):
            background_jobs.run(job.id)
            click.echo(f"Trabalho {job.id}: {background_jobs.get(job.id).state_label}")


for _command in AREA_COMMANDS:
    main.add_command(_command)
