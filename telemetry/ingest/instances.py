"""Several ingester processes on one MQTT load (`saae ingest --instance N`).

MQTT connectors with a `share_group` subscribe as `$share/<group>/<pattern>`: the broker
hands each message to one member of the group. Each process is one member with a persistent
session of its own, so its client id, its disk buffer and its health rows carry the
instance. A member that dies keeps its session on the broker (Mosquitto goes on queueing
its share of the messages for it, and the ones it had not acknowledged); the supervisor
restarts it under the same instance and it takes them back, so nothing is lost as long as
it is back within `session_expiry_s`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

from telemetry.config import ConfigInvalid, MqttConfig, SparkplugConfig, TelemetryConfig

log = logging.getLogger(__name__)

_NAME = re.compile(r"[A-Za-z0-9_-]{1,20}")


def for_instance(config: TelemetryConfig, instance: str) -> TelemetryConfig:
    """The configuration as process `instance` runs it ("" = the only ingester: unchanged)."""
    if not instance:
        return config
    if not _NAME.fullmatch(instance):
        raise ConfigInvalid([f"instância {instance!r}: use até 20 letras, dígitos, - ou _"])
    out = []
    for c in config.connectors:
        if not (isinstance(c, MqttConfig) and c.share_group):
            log.warning("%s: não é MQTT com share_group; cada instância o lê por inteiro "
                        "(deixe-o no arquivo de uma instância só)", c.name)
        changes: dict[str, str] = {"name": f"{c.name}@{instance}"}
        if isinstance(c, MqttConfig | SparkplugConfig):
            changes["client_id"] = f"{c.client_id}-{instance}"
        out.append(dataclasses.replace(c, **changes))
    return dataclasses.replace(config, connectors=tuple(out))


def buffer_dir_of(base: Path, instance: str) -> Path:
    """The disk buffer of one instance, beside the others (never shared by two processes)."""
    return base.with_name(f"{base.name}-{instance}") if instance else base
