"""Connector kind (the `kind` of a TOML [[connector]]) -> its class.

The protocol libraries themselves (asyncua, pymodbus) are imported only when a connector
of that kind connects; paho and protobuf are light."""

from __future__ import annotations

from telemetry.connectors.modbus import ModbusConnector
from telemetry.connectors.mqtt import MqttConnector
from telemetry.connectors.opcua import OpcUaConnector
from telemetry.connectors.sparkplug import SparkplugConnector

CONNECTORS: dict[str, type] = {"opcua": OpcUaConnector, "modbus": ModbusConnector,
                               "mqtt": MqttConnector, "sparkplug": SparkplugConnector}
