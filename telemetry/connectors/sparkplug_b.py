"""The Sparkplug B payload (Eclipse Sparkplug 3.0, `org.eclipse.tahu.protobuf.Payload`) read and
written with Google's `protobuf` runtime.

The message types are declared here as a protobuf descriptor, field by field with the numbers
and wire types of the specification's `sparkplug_b.proto` (Payload and Metric; metadata,
properties, datasets and templates are not read and are skipped as unknown fields by the
parser). No protoc step and no generated file: the descriptor is built at import. The test
decodes golden payloads produced by another implementation from the specification's own
compiled `.proto`.
"""

from __future__ import annotations

import dataclasses
from enum import IntEnum
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = "org.eclipse.tahu.protobuf"


class DataType(IntEnum):
    """Sparkplug B datatypes (basic types; arrays, datasets and templates are not values here)."""

    UNKNOWN = 0
    INT8 = 1
    INT16 = 2
    INT32 = 3
    INT64 = 4
    UINT8 = 5
    UINT16 = 6
    UINT32 = 7
    UINT64 = 8
    FLOAT = 9
    DOUBLE = 10
    BOOLEAN = 11
    STRING = 12
    DATETIME = 13
    TEXT = 14
    UUID = 15
    DATASET = 16
    BYTES = 17
    FILE = 18
    TEMPLATE = 19


def _descriptor() -> descriptor_pb2.FileDescriptorProto:
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="saae/sparkplug_b.proto", package=PACKAGE,
                                             syntax="proto2")
    payload = fdp.message_type.add(name="Payload")
    metric = payload.nested_type.add(name="Metric")
    metric.oneof_decl.add(name="value")

    def field(msg: Any, name: str, number: int, kind: int, label: int = F.LABEL_OPTIONAL,
              type_name: str = "", oneof: bool = False) -> None:
        f = msg.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            f.type_name = type_name
        if oneof:
            f.oneof_index = 0

    field(metric, "name", 1, F.TYPE_STRING)
    field(metric, "alias", 2, F.TYPE_UINT64)
    field(metric, "timestamp", 3, F.TYPE_UINT64)
    field(metric, "datatype", 4, F.TYPE_UINT32)
    field(metric, "is_historical", 5, F.TYPE_BOOL)
    field(metric, "is_transient", 6, F.TYPE_BOOL)
    field(metric, "is_null", 7, F.TYPE_BOOL)
    for name, number, kind in (("int_value", 10, F.TYPE_UINT32), ("long_value", 11, F.TYPE_UINT64),
                               ("float_value", 12, F.TYPE_FLOAT),
                               ("double_value", 13, F.TYPE_DOUBLE),
                               ("boolean_value", 14, F.TYPE_BOOL),
                               ("string_value", 15, F.TYPE_STRING),
                               ("bytes_value", 16, F.TYPE_BYTES)):
        field(metric, name, number, kind, oneof=True)
    field(payload, "timestamp", 1, F.TYPE_UINT64)
    field(payload, "metrics", 2, F.TYPE_MESSAGE, F.LABEL_REPEATED, f".{PACKAGE}.Payload.Metric")
    field(payload, "seq", 3, F.TYPE_UINT64)
    field(payload, "uuid", 4, F.TYPE_STRING)
    field(payload, "body", 5, F.TYPE_BYTES)
    return fdp


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_descriptor())
PayloadPB: Any = message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"{PACKAGE}.Payload"))

_SIGNED_BITS = {DataType.INT8: 8, DataType.INT16: 16, DataType.INT32: 32, DataType.INT64: 64}
_FIELD = {DataType.INT8: "int_value", DataType.INT16: "int_value", DataType.INT32: "int_value",
          DataType.UINT8: "int_value", DataType.UINT16: "int_value", DataType.UINT32: "int_value",
          DataType.INT64: "long_value", DataType.UINT64: "long_value",
          DataType.DATETIME: "long_value", DataType.FLOAT: "float_value",
          DataType.DOUBLE: "double_value", DataType.BOOLEAN: "boolean_value",
          DataType.STRING: "string_value", DataType.TEXT: "string_value",
          DataType.UUID: "string_value", DataType.BYTES: "bytes_value",
          DataType.FILE: "bytes_value"}


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str | None
    alias: int | None
    datatype: int
    value: Any  # None when is_null or absent
    timestamp: int | None = None  # ms since the epoch
    is_historical: bool = False
    is_transient: bool = False
    is_null: bool = False


@dataclasses.dataclass(frozen=True)
class Payload:
    timestamp: int | None
    seq: int | None
    metrics: tuple[Metric, ...]


def signed(value: Any, datatype: int) -> Any:
    """Signed integers travel as their two's complement in an unsigned field (idempotent)."""
    bits = _SIGNED_BITS.get(DataType(datatype)) if datatype in DataType._value2member_map_ else None
    if bits and isinstance(value, int) and not isinstance(value, bool):
        value &= (1 << bits) - 1
        if value >= 1 << (bits - 1):
            value -= 1 << bits
    return value


def _value(pb: Any, datatype: int) -> Any:
    which = pb.WhichOneof("value")
    return None if which is None else signed(getattr(pb, which), datatype)


def decode(raw: bytes) -> Payload:
    """A Sparkplug B payload; google.protobuf.message.DecodeError when it is not one."""
    pb = PayloadPB.FromString(raw)
    metrics = tuple(
        Metric(name=m.name if m.HasField("name") else None,
               alias=m.alias if m.HasField("alias") else None,
               datatype=m.datatype, value=None if m.is_null else _value(m, m.datatype),
               timestamp=m.timestamp if m.HasField("timestamp") else None,
               is_historical=m.is_historical, is_transient=m.is_transient, is_null=m.is_null)
        for m in pb.metrics)
    return Payload(timestamp=pb.timestamp if pb.HasField("timestamp") else None,
                   seq=pb.seq if pb.HasField("seq") else None, metrics=metrics)


def encode(payload: Payload, datatypes: bool = True) -> bytes:
    """The wire bytes of `payload` (datatypes False: as data messages usually omit them)."""
    pb = PayloadPB()
    if payload.timestamp is not None:
        pb.timestamp = payload.timestamp
    if payload.seq is not None:
        pb.seq = payload.seq
    for m in payload.metrics:
        out = pb.metrics.add()
        if m.name is not None:
            out.name = m.name
        if m.alias is not None:
            out.alias = m.alias
        if m.timestamp is not None:
            out.timestamp = m.timestamp
        if datatypes:
            out.datatype = m.datatype
        if m.is_historical:
            out.is_historical = True
        if m.is_transient:
            out.is_transient = True
        if m.is_null or m.value is None:
            out.is_null = True
            continue
        value = m.value
        bits = _SIGNED_BITS.get(DataType(m.datatype))
        if bits and value < 0:
            value &= (1 << (32 if bits < 64 else 64)) - 1
        setattr(out, _FIELD[DataType(m.datatype)], value)
    return bytes(pb.SerializeToString())
