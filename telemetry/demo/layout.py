"""Where the demo simulator serves each tag (OPC UA node, Modbus register, MQTT topic), and
the connectors' TOML that reads it (shipped as telemetry/demo/simulator.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from telemetry.demo.tags import DemoTag, of_protocol

MQTT_PREFIX = "saae/sim"
OPC_NS = "urn:saae:simulador"


@dataclass(frozen=True)
class ModbusSlot:
    tag: str
    table: str  # holding | input | coil
    address: int
    type: str  # float32 | uint16 | bool
    scale: float = 1.0


def modbus_layout() -> list[ModbusSlot]:
    """Where each Modbus tag of the demo lives in the simulated PLC (device id 1)."""
    slots, hr, ir, co = [], 0, 0, 0
    for t in of_protocol("modbus"):
        if t.quantity == "estado":
            slots.append(ModbusSlot(t.name, "coil", co, "bool"))
            co += 1
        elif t.quantity == "nivel":  # level in centimetres in a uint16 input register
            slots.append(ModbusSlot(t.name, "input", ir, "uint16", 0.01))
            ir += 1
        else:
            slots.append(ModbusSlot(t.name, "holding", hr, "float32"))
            hr += 2
    return slots


def mqtt_topic(tag: DemoTag, prefix: str = MQTT_PREFIX) -> str:
    asset, var = tag.name.split(".", 1)
    return f"{prefix}/{asset}/{var}"


def sample_toml(opcua_port: int = 4840, modbus_port: int = 5020,
                mqtt_url: str = "mqtt://127.0.0.1:1883", mqtt_prefix: str = MQTT_PREFIX,
                client_id: str = "saae-ingest") -> str:
    """The connectors' TOML that reads this simulator (shipped as telemetry/demo/simulator.toml)."""
    lines = (_opcua_section(opcua_port) + _modbus_section(modbus_port)
             + _mqtt_section(mqtt_url, mqtt_prefix, client_id))
    return "\n".join(lines)


def _connector(name: str, kind: str) -> list[str]:
    return ["", "[[connector]]", f'name = "{name}"', f'kind = "{kind}"']


def _opcua_section(opcua_port: int) -> list[str]:
    lines = [
        "# Conectores da telemetria para o simulador da demonstração (saae simulate).",
        "# Gerado por telemetry.demo.layout.sample_toml(); use como modelo para a planta real.",
        "",
        "[ingest]",
        "batch_size = 5000",
        "flush_interval_s = 0.5",
        *_connector("eta-opcua", "opcua"),
        f'endpoint = "opc.tcp://127.0.0.1:{opcua_port}/saae/"',
        'mode = "subscription"',
        "publishing_interval_ms = 1000",
        "sampling_interval_ms = 500",
        "deadband = 0.0",
        'security_policy = "None"',
        "# numa planta real: canal assinado e cifrado com o certificado do coletor, e o usuário",
        "# por senha (lida da variável de ambiente, nunca escrita aqui) ou por certificado:",
        '# security_policy = "Basic256Sha256"',
        '# security_mode = "SignAndEncrypt"',
        '# certificate = "/etc/saae/opcua/coletor.der"',
        '# private_key = "/etc/saae/opcua/coletor.pem"',
        '# username = "scada"',
        '# password_env = "SAAE_OPCUA_SENHA"',
        '# user_certificate = "/etc/saae/opcua/operador.der"  # em vez de username',
        '# user_private_key = "/etc/saae/opcua/operador.pem"',
        '# mode = "polling" e poll_interval_s = 5.0 para servidores sem assinaturas',
    ]
    for t in of_protocol("opcua"):
        lines += ["", "[[connector.nodes]]", f'node = "ns=2;s={t.name}"', f'tag = "{t.name}"']
    return lines


def _modbus_section(modbus_port: int) -> list[str]:
    lines = [
        *_connector("pocos-modbus", "modbus"),
        'host = "127.0.0.1"',
        f"port = {modbus_port}",
        "device_id = 1",
        "poll_interval_s = 5.0",
    ]
    for s in modbus_layout():
        lines += ["", "[[connector.points]]", f'tag = "{s.tag}"', f'table = "{s.table}"',
                  f"address = {s.address}"]
        if s.type != "bool":
            lines.append(f'type = "{s.type}"')
        if s.scale != 1.0:
            lines.append(f"scale = {s.scale}")
    return lines


def _mqtt_section(mqtt_url: str, mqtt_prefix: str, client_id: str) -> list[str]:
    return [
        *_connector("campo-mqtt", "mqtt"),
        f'url = "{mqtt_url}"',
        f'client_id = "{client_id}"',
        "qos = 1",
        "clean_session = false",
        "# sessão persistente: o broker guarda o que chegar enquanto o coletor estiver fora.",
        "# after_store: confirma (PUBACK) so depois de gravar no banco ou no buffer em disco;",
        "# nem um kill -9 perde leituras. No Mosquitto do SAAE use persistence true e, para",
        "# taxas altas, max_queued_messages 0 (ou alto) e max_inflight_messages alto: o padrão",
        "# (1000 mensagens por cliente) descarta o excedente de um consumidor atrasado.",
        'ack = "after_store"',
        "",
        "[[connector.topics]]",
        f'pattern = "{mqtt_prefix}/+/+"',
        'tag = "{0}.{1}"',
        'format = "json"',
        'value_path = "v"',
        'ts_path = "t"',
        'quality_path = "q"',
        "",
        "# lotes de leituras (replay de CSV, gateways): [{\"tag\": ..., \"v\": ..., \"t\": ...}]",
        "[[connector.topics]]",
        f'pattern = "{mqtt_prefix.rsplit("/", 1)[0]}/lote/#"',
        'tag = ""',
        'format = "json"',
        'tag_path = "tag"',
        'value_path = "v"',
        'ts_path = "t"',
        'quality_path = "q"',
        "",
    ]
