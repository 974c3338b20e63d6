"""`saae` commands of telemetry: ingest, simulate (inject, clear, replay), retrain the quality
detector. `saae` loads every area's commands at start-up, so each command imports what it
runs only when it runs (the ingester, the simulator, numpy/scikit-learn)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import Any

import click

from core.cli_app import settings_from_env
from telemetry.config import ConfigInvalid, load
from telemetry.connectors.base import quiet_libraries
from telemetry.ingest.instances import for_instance

log = logging.getLogger(__name__)


def _config(path: str | None, settings: Any) -> Any:
    try:
        return load(path or settings.telemetry_config or None)
    except ConfigInvalid as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("ingest")
@click.option("--config", "config_path", default=None,
              help="Arquivo TOML dos conectores (padrão: SAAE_TELEMETRY_CONFIG ou o do simulador).")
@click.option("--check", is_flag=True, help="Apenas valida o arquivo e sai.")
@click.option("--instance", default=None,
              help="Instância entre várias que dividem o MQTT (share_group); padrão: "
                   "SAAE_INGEST_INSTANCE.")
def ingest(config_path: str | None, check: bool, instance: str | None) -> None:
    """Coletor de telemetria: OPC UA, Modbus TCP e MQTT para o banco de séries temporais."""
    quiet_libraries()
    settings = settings_from_env()
    if instance is not None:
        settings = dataclasses.replace(settings, ingest_instance=instance)
    cfg = _config(config_path, settings)
    try:
        for_instance(cfg, settings.ingest_instance)  # refuse a bad name before starting
    except ConfigInvalid as exc:
        raise click.ClickException(str(exc)) from exc
    if check:
        for c in cfg.connectors:
            n = len(getattr(c, "nodes", None) or getattr(c, "points", None) or c.topics)
            click.echo(f"  {c.name:<20} {c.kind:<7} {n} itens")
        click.echo("Configuração válida.")
        return
    # why: CLI start-up time (connectors, storage, paho load only for the ingester)
    from telemetry.ingest.process import run_ingester

    run_ingester(settings, cfg)


@click.group("simulate", invoke_without_command=True)
@click.option("--opcua-port", default=4840, type=int, help="0 desliga o servidor OPC UA.")
@click.option("--modbus-port", default=5020, type=int, help="0 desliga o servidor Modbus.")
@click.option("--mqtt/--no-mqtt", "use_mqtt", default=True)
@click.option("--tick", default=5.0, type=float, help="Segundos entre atualizações.")
@click.pass_context
def simulate(ctx: click.Context, opcua_port: int, modbus_port: int, use_mqtt: bool,
             tick: float) -> None:
    """Simulador SCADA da demonstração (OPC UA, Modbus TCP e MQTT)."""
    if ctx.invoked_subcommand is not None:
        return
    from telemetry.demo.simulator import Simulator  # why: CLI start-up (simulator, paho)

    quiet_libraries()
    settings = settings_from_env()
    sim = Simulator(opcua_port=opcua_port, modbus_port=modbus_port,
                    mqtt_url=settings.mqtt_url if use_mqtt else None, tick_s=tick)
    click.echo(f"Simulador: OPC UA opc.tcp://127.0.0.1:{opcua_port}/saae/, Modbus TCP :{modbus_port}, "
               f"MQTT {settings.mqtt_url if use_mqtt else '(desligado)'}. Ctrl+C para encerrar.")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(sim.run())


@simulate.command("inject")
@click.option("--tipo", "kind", required=True,
              type=click.Choice(["rompimento", "turbidez", "cloro", "travado", "comunicacao",
                                 "parada_eta"]))
@click.option("--alvo", "target", required=True, help="Ativo (SET-02, ETA-01...) ou tag.")
@click.option("--duracao", "minutes", type=float, default=None,
              help="Minutos (padrão: até `saae simulate clear`).")
def simulate_inject(kind: str, target: str, minutes: float | None) -> None:
    """Injeta um evento no simulador em execução (via MQTT)."""
    from telemetry.demo.control import send_control, validate_event  # why: CLI start-up

    problems = validate_event(kind, target)
    if problems:
        raise click.ClickException("; ".join(problems))
    send_control(settings_from_env().mqtt_url, {"acao": "injetar", "tipo": kind, "alvo": target,
                                        "duracao_s": minutes * 60 if minutes else None})
    click.echo(f"Evento {kind} enviado para {target}.")


@simulate.command("clear")
def simulate_clear() -> None:
    """Encerra todos os eventos injetados."""
    from telemetry.demo.control import send_control  # why: CLI start-up (paho)

    send_control(settings_from_env().mqtt_url, {"acao": "limpar"})
    click.echo("Eventos encerrados.")


@simulate.command("replay")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rate", default=60.0, type=float, help="Aceleração (60 = 1 min de dados por s).")
@click.option("--prefix", default="GECCO.", help="Prefixo dos nomes de tag (coluna -> tag).")
@click.option("--limit", default=None, type=int, help="Número máximo de linhas.")
@click.option("--direct", is_flag=True, help="Gravar direto no banco (sem MQTT).")
@click.option("--time-column", default="Time")
def simulate_replay(csv_path: str, rate: float, prefix: str, limit: int | None, direct: bool,
                    time_column: str) -> None:
    """Reproduz um CSV (ex.: GECCO 2018) em velocidade acelerada."""
    from telemetry.demo.control import replay_csv  # why: CLI start-up (paho)
    from telemetry.storage import open_storage  # why: CLI start-up (storage backends)

    settings = settings_from_env()
    store = open_storage(settings, own_engine=True) if direct else None
    n = replay_csv(csv_path, rate=rate, prefix=prefix, limit=limit, time_column=time_column,
                   mqtt_url=None if direct else settings.mqtt_url, store=store,
                   start=dt.datetime.now(dt.UTC))
    click.echo(f"{n} leituras enviadas.")


@click.command("retreinar-qualidade")
@click.option("--base", "base_csv", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV rotulado de partida (formato GECCO 2018: uma coluna por sinal e EVENT).")
@click.option("--colunas", default="Cl,pH,Redox,Leit,Trueb,Cl_2",
              help="Colunas do CSV de partida, na ordem das tags.")
@click.option("--tags", "tag_list", default="",
              help="Tags da ETA (na ordem das colunas) cujas anomalias avaliadas entram no treino.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Diretório dos modelos (padrao: <SAAE_DATA_DIR>/modelos/qualidade).")
@click.option("--forcar", is_flag=True, help="Substituir mesmo se o modelo atual for melhor.")
def retrain_quality(base_csv: str | None, colunas: str, tag_list: str, directory: str | None,
                    forcar: bool) -> None:
    """Treina o detector supervisionado de qualidade e mostra a validação cruzada em blocos.

    Recusa (saída 1) substituir um modelo cujo F1 médio validado seja maior."""
    from telemetry.waterquality.dataset import gather  # why: CLI start-up (numpy, database)
    from telemetry.waterquality.training import retrain  # why: CLI start-up (scikit-learn)

    settings = settings_from_env()
    cols = [c.strip() for c in colunas.split(",") if c.strip()]
    tags = [t.strip() for t in tag_list.split(",") if t.strip()]
    if tags and len(tags) != len(cols):
        raise click.ClickException("Informe uma tag para cada coluna, na mesma ordem.")
    x, y = gather(settings, base_csv, cols, tags)
    target = Path(directory) if directory else Path(settings.data_dir) / "modelos" / "qualidade"
    try:
        result = retrain(x, y, tags or cols, target, force=forcar)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(result.cv.table("validação cruzada em blocos (5 blocos contíguos):"))
    click.echo(result.message)
    if result.saved is None:
        raise SystemExit(1)


commands: list[click.Command] = [ingest, simulate, retrain_quality]


def demo_background(app: Any) -> None:
    """`saae demo`: the SCADA simulator, an ingester and the monitor in this process."""
    from telemetry.demo.scada import demo_background as start  # why: CLI start-up

    start(app)
