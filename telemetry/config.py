"""The connectors' TOML file: one `[ingest]` block and one `[[connector]]` block per endpoint.

Every block is validated into a frozen dataclass; every problem is reported at once, in
Portuguese, with its place in the file (`connector[2].points[0].type: ...`). Secrets are
not written in the file: `password_env = "OPCUA_SENHA"` names an environment variable.
See `telemetry/demo/simulator.toml` (the demo simulator's file) for a complete example.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).parent / "demo" / "simulator.toml"


class ConfigInvalid(ValueError):
    """The TOML file is not a valid telemetry configuration; `problems` lists every error."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Configuração de telemetria inválida:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class IngestOptions:
    batch_size: int = 5000  # readings per store write
    flush_interval_s: float = 0.5  # a partial batch is written after this long
    buffer_dir: str = ""  # disk buffer; empty = settings.ingest_buffer_dir or data_dir/buffer
    segment_max_bytes: int = 8 * 1024 * 1024
    replay_batch: int = 20_000
    state_interval_s: float = 5.0  # how often connector states go to the database
    restart_initial_s: float = 1.0  # connector restart backoff
    restart_max_s: float = 60.0
    load_ranges_from_db: bool = True  # plausible ranges of the tags table apply to every point
    # a reading is stored only if dated within this window around now: a gateway's clock at
    # 1970 or 9999 would otherwise become a tag's "current value" forever; the past allows
    # for a gateway's own store-and-forward after a link outage
    max_age_s: float = 400 * 86_400.0
    max_future_s: float = 300.0
    reject_unknown_tags: bool = True  # tags absent from the tags table are set aside, counted


@dataclass(frozen=True)
class OpcUaNode:
    node: str  # "ns=2;s=ETA-01.TURBIDEZ" or "i=2258"
    tag: str
    min: float | None = None
    max: float | None = None
    deadband: float | None = None  # absolute; overrides the connector's


@dataclass(frozen=True)
class OpcUaConfig:
    """One OPC UA server: its nodes read by subscription (the server pushes changes) or polled;
    a signed or encrypted session needs the client certificate and key files."""
    name: str
    endpoint: str
    nodes: tuple[OpcUaNode, ...]
    kind: str = "opcua"
    mode: str = "subscription"  # subscription | polling
    publishing_interval_ms: int = 1000
    sampling_interval_ms: int = 1000
    deadband: float = 0.0  # absolute deadband (DataChangeFilter); 0 = every change
    poll_interval_s: float = 5.0
    security_policy: str = "None"  # None | Basic256Sha256 | Aes128Sha256RsaOaep | Aes256Sha256RsaPss
    security_mode: str = "SignAndEncrypt"  # Sign | SignAndEncrypt
    certificate: str = ""  # client certificate (DER/PEM) for signed/encrypted sessions
    private_key: str = ""
    server_certificate: str = ""
    username: str = ""
    password_env: str = ""
    # user identity by X.509 certificate (instead of username/password): the user's
    # certificate and private key (a user token, distinct from the application certificate)
    user_certificate: str = ""
    user_private_key: str = ""
    timeout_s: float = 5.0
    reconnect_initial_s: float = 1.0
    reconnect_max_s: float = 30.0


@dataclass(frozen=True)
class ModbusPoint:
    tag: str
    address: int
    table: str = "holding"  # holding | input | coil | discrete
    type: str = "uint16"  # int16 | uint16 | int32 | uint32 | float32 (bool for coils)
    byte_order: str = "big"  # byte order inside each 16-bit register
    word_order: str = "big"  # big = most significant register first
    scale: float = 1.0
    offset: float = 0.0
    device_id: int | None = None  # overrides the connector's
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class ModbusConfig:
    name: str
    host: str
    points: tuple[ModbusPoint, ...]
    kind: str = "modbus"
    port: int = 502
    device_id: int = 1
    poll_interval_s: float = 5.0
    timeout_s: float = 3.0
    retries: int = 1
    max_block: int = 100  # registers per read request (protocol limit 125)
    max_gap: int = 8  # unmapped registers a merged read may span (0 = only contiguous)
    reconnect_initial_s: float = 1.0
    reconnect_max_s: float = 30.0


@dataclass(frozen=True, kw_only=True)
class BrokerSettings:
    """How an MQTT or Sparkplug connector reaches its broker (read by BrokerConnector)."""
    url: str = "mqtt://127.0.0.1:1883"  # mqtt:// or mqtts://
    keepalive_s: int = 30
    username: str = ""
    password_env: str = ""
    ca_file: str = ""
    reconnect_initial_s: float = 1.0
    reconnect_max_s: float = 30.0


@dataclass(frozen=True)
class MqttTopic:
    pattern: str  # MQTT filter with + and #, e.g. "saae/+/+/valor"
    tag: str = "{1}"  # template: {1}.. the wildcard parts in order, {topic} the whole topic
    format: str = "number"  # number | json
    value_path: str = "value"  # dotted path inside the JSON ("data.v", "leituras.0.v")
    ts_path: str = ""  # empty = arrival time
    quality_path: str = ""
    tag_path: str = ""  # for JSON lists of readings of several tags
    items_path: str = ""  # JSON path of a list of readings (each with value/ts/quality/tag)
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class MqttConfig(BrokerSettings):
    name: str
    topics: tuple[MqttTopic, ...]
    kind: str = "mqtt"
    client_id: str = "saae-ingest"  # fixed, so the broker keeps the session while we are away
    qos: int = 1
    clean_session: bool = False
    session_expiry_s: int = 86_400  # MQTT 5: how long the broker keeps our queue
    # after_store: PUBACK only once the readings are in the store or the disk buffer, so even
    # kill -9 loses nothing (the broker redelivers). on_receipt: PUBACK on arrival (a crash can
    # lose what arrived in the last flush interval). Either way a broker that queues at most
    # N messages per client drops the excess of a consumer that falls behind: for high rates
    # raise Mosquitto's max_queued_messages (default 1000) and max_inflight_messages.
    ack: str = "after_store"
    protocol: str = "5"  # 3.1.1 | 5
    # MQTT 5 shared subscription ($share/<group>/<pattern>): ingesters of one group split the
    # messages; each needs its own client_id (`saae ingest --instance N`), see README
    share_group: str = ""


@dataclass(frozen=True)
class SparkplugMetric:
    metric: str  # Sparkplug metric name, e.g. "Pressao/PV"
    tag: str  # our tag
    device: str = ""  # empty = a node metric (NBIRTH/NDATA); else the device id (DBIRTH/DDATA)
    node: str = ""  # empty = any edge node of the group
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class SparkplugConfig(BrokerSettings):
    name: str
    group_id: str  # Sparkplug group ("+" for every group)
    kind: str = "sparkplug"
    client_id: str = "saae-sparkplug"
    # metrics not listed below become "{device}.{metric}" (device metrics) or "{node}.{metric}"
    # (node metrics); "/" in metric names becomes "."; empty = only the listed metrics
    tag: str = "{device}.{metric}"
    node_tag: str = "{node}.{metric}"
    metrics: tuple[SparkplugMetric, ...] = ()
    # ask an edge node whose aliases we do not know (data before any birth) to publish its
    # births again (NCMD "Node Control/Rebirth"); off by default: it writes to the field
    request_rebirth: bool = False


ConnectorConfig = OpcUaConfig | ModbusConfig | MqttConfig | SparkplugConfig
_KINDS: dict[str, tuple[type, str, type]] = {
    "opcua": (OpcUaConfig, "nodes", OpcUaNode),
    "modbus": (ModbusConfig, "points", ModbusPoint),
    "mqtt": (MqttConfig, "topics", MqttTopic),
    "sparkplug": (SparkplugConfig, "metrics", SparkplugMetric),
}


@dataclass(frozen=True)
class TelemetryConfig:
    ingest: IngestOptions = field(default_factory=IngestOptions)
    connectors: tuple[ConnectorConfig, ...] = ()


def _build(cls: type, data: Any, where: str, problems: list[str],
           children: tuple[str, type] | None = None) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{where}: esperado um bloco (tabela TOML)")
        return None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in fields:
            problems.append(f"{where}.{key}: chave desconhecida")
            continue
        if children and key == children[0]:
            if not isinstance(raw, list) or not raw:
                problems.append(f"{where}.{key}: informe ao menos um item ([[...{key}]])")
                continue
            items = [_build(children[1], item, f"{where}.{key}[{i}]", problems)
                     for i, item in enumerate(raw)]
            values[key] = tuple(i for i in items if i is not None)
            continue
        hint = hints[key]
        ok = _check_type(raw, hint)
        if ok is None:
            problems.append(f"{where}.{key}: tipo inválido ({type(raw).__name__})")
            continue
        values[key] = ok
    missing = [n for n, f in fields.items() if n not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    for n in missing:
        if not (children and n == children[0] and n in data):
            problems.append(f"{where}.{n}: obrigatório")
    if missing:
        return None
    return cls(**values)


def _check_type(raw: Any, hint: Any) -> Any:
    """The value converted to the field's type, or None when it does not fit."""
    args = typing.get_args(hint)
    if args and type(None) in args:
        if raw is None:
            return None
        hint = next(a for a in args if a is not type(None))
    if hint is bool:
        return raw if isinstance(raw, bool) else None
    if hint is int:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if hint is float:
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if hint is str:
        return raw if isinstance(raw, str) else None
    return raw


def _validate(c: Any, where: str, problems: list[str]) -> None:
    """Checks of one connector's values beyond their types (appended to `problems`)."""
    checks: dict[type, Any] = {OpcUaConfig: _opcua_problems, ModbusConfig: _modbus_problems,
                               MqttConfig: _mqtt_problems, SparkplugConfig: _sparkplug_problems}
    check = checks.get(type(c))
    if check is not None:
        problems.extend(check(c, where))


def _opcua_problems(c: OpcUaConfig, where: str) -> list[str]:
    out: list[str] = []

    def bad(msg: str) -> None:
        out.append(f"{where}: {msg}")

    if not c.endpoint.startswith("opc.tcp://"):
        bad("endpoint deve comecar com opc.tcp://")
    if c.mode not in ("subscription", "polling"):
        bad("mode deve ser subscription ou polling")
    if c.security_policy not in ("None", "Basic256Sha256", "Aes128Sha256RsaOaep",
                                 "Aes256Sha256RsaPss"):
        bad(f"security_policy desconhecida: {c.security_policy}")
    if c.security_mode not in ("Sign", "SignAndEncrypt"):
        bad("security_mode deve ser Sign ou SignAndEncrypt")
    if c.security_policy != "None" and not (c.certificate and c.private_key):
        bad("seguranca exige certificate e private_key do cliente")
    if bool(c.user_certificate) != bool(c.user_private_key):
        bad("user_certificate e user_private_key devem ser informados juntos")
    if c.user_certificate and c.username:
        bad("use username/password_env ou user_certificate, não ambos")
    if c.deadband < 0 or c.sampling_interval_ms < 0 or c.poll_interval_s <= 0:
        bad("deadband, sampling_interval_ms e poll_interval_s devem ser positivos")
    return out


def _modbus_problems(c: ModbusConfig, where: str) -> list[str]:
    out: list[str] = []
    if not 1 <= c.port <= 65535:
        out.append(f"{where}: port entre 1 e 65535")
    if not 0 <= c.device_id <= 255:
        out.append(f"{where}: device_id entre 0 e 255")
    if c.poll_interval_s <= 0 or not 1 <= c.max_block <= 125:
        out.append(f"{where}: poll_interval_s > 0 e max_block entre 1 e 125")
    for i, p in enumerate(c.points):
        out += _modbus_point_problems(p, f"{where}.points[{i}]")
    return out


def _modbus_point_problems(p: ModbusPoint, pw: str) -> list[str]:
    out: list[str] = []
    if p.table not in ("holding", "input", "coil", "discrete"):
        out.append(f"{pw}.table: use holding, input, coil ou discrete")
    if p.table in ("holding", "input") and p.type not in ("int16", "uint16", "int32",
                                                          "uint32", "float32"):
        out.append(f"{pw}.type: use int16, uint16, int32, uint32 ou float32")
    if p.byte_order not in ("big", "little") or p.word_order not in ("big", "little"):
        out.append(f"{pw}: byte_order e word_order devem ser big ou little")
    if not 0 <= p.address <= 65535:
        out.append(f"{pw}.address: entre 0 e 65535")
    return out


def _mqtt_problems(c: MqttConfig, where: str) -> list[str]:
    rules = [
        (c.url.startswith(("mqtt://", "mqtts://")), "url deve comecar com mqtt:// ou mqtts://"),
        (c.qos in (0, 1, 2), "qos deve ser 0, 1 ou 2"),
        (c.ack in ("on_receipt", "after_store"), "ack deve ser on_receipt ou after_store"),
        (c.protocol in ("3.1.1", "5"), "protocol deve ser 3.1.1 ou 5"),
        (bool(c.client_id), "client_id fixo e obrigatório (sessão persistente)"),
        (not any(ch in c.share_group for ch in "/+#"), "share_group sem /, + nem #"),
    ]
    out = [f"{where}: {msg}" for ok, msg in rules if not ok]
    for i, t in enumerate(c.topics):
        tw = f"{where}.topics[{i}]"
        if t.format not in ("number", "json"):
            out.append(f"{tw}.format: use number ou json")
        parts = t.pattern.split("/")
        if "#" in parts[:-1] or any(("+" in p or "#" in p) and len(p) > 1 for p in parts):
            out.append(f"{tw}.pattern: filtro MQTT inválido")
        if not t.tag and not t.tag_path:
            out.append(f"{tw}: informe tag ou tag_path")
    return out


def _sparkplug_problems(c: SparkplugConfig, where: str) -> list[str]:
    rules = [
        (c.url.startswith(("mqtt://", "mqtts://")), "url deve comecar com mqtt:// ou mqtts://"),
        (bool(c.group_id) and "/" not in c.group_id and "#" not in c.group_id,
         "group_id: um grupo Sparkplug (sem / nem #) ou +"),
        (bool(c.client_id), "client_id é obrigatório"),
        (bool(c.tag or c.node_tag or c.metrics), "informe tag, node_tag ou a lista metrics"),
    ]
    return [f"{where}: {msg}" for ok, msg in rules if not ok]


def parse(data: dict[str, Any]) -> TelemetryConfig:
    """Validate a parsed TOML document."""
    problems: list[str] = []
    for key in data:
        if key not in ("ingest", "connector"):
            problems.append(f"{key}: bloco desconhecido (use [ingest] e [[connector]])")
    ingest = _build(IngestOptions, data.get("ingest", {}), "ingest", problems) or IngestOptions()
    connectors = []
    names = set()
    for i, block in enumerate(data.get("connector", [])):
        where = f"connector[{i}]"
        kind = block.get("kind") if isinstance(block, dict) else None
        if kind not in _KINDS:
            problems.append(f"{where}.kind: use opcua, modbus, mqtt ou sparkplug")
            continue
        cls, child_key, child_cls = _KINDS[kind]
        c = _build(cls, block, where, problems, (child_key, child_cls))
        if c is None:
            continue
        if c.name in names:
            problems.append(f"{where}.name: nome repetido ({c.name})")
        names.add(c.name)
        _validate(c, where, problems)
        connectors.append(c)
    if problems:
        raise ConfigInvalid(problems)
    return TelemetryConfig(ingest, tuple(connectors))


def load(path: str | Path | None = None) -> TelemetryConfig:
    """Read and validate the TOML file (default: the demo simulator's)."""
    p = Path(path) if path else SAMPLE
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigInvalid([f"arquivo não encontrado: {p}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid([f"{p}: TOML inválido: {exc}"]) from exc
    return parse(data)


def secret(env_name: str) -> str:
    """A password named by `password_env` (never stored in the TOML file)."""
    return os.environ.get(env_name, "") if env_name else ""
