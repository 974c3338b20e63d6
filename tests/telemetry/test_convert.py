"""Pure converters of OPC UA and Modbus, and the TOML validation (no servers)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from telemetry import config as tcfg
from telemetry.config import ModbusPoint, OpcUaNode
from telemetry.connectors import modbus, opcua
from telemetry.connectors.base import parse_ts, to_float

T = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)

# ------------------------------------------------------------------ OPC UA

OPC = opcua.OpcMapping.build([
    OpcUaNode("ns=2;s=ETA-01.CLORO", "ETA-01.CLORO", min=0, max=10),
    OpcUaNode("i=2258", "SERVER.TIME"),
    OpcUaNode("ns=2;i=17", "BOMBA"),
])


@pytest.mark.parametrize(("status", "quality"), [
    (0x00000000, "good"), (0x00A80000, "good"), (0x40000000, "uncertain"),
    (0x408F0000, "uncertain"), (0x80000000, "bad"), (0x80310000, "bad"), (0xC0000000, "bad"),
])
def test_opcua_quality_from_status_code(status, quality):
    assert opcua.quality_of(status) == quality


@pytest.mark.parametrize(("raw", "expect", "reason"), [
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", 1.25, 0, T), ("ETA-01.CLORO", 1.25, "good", T), None),
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", 1.25, 0x40000000, None, T),
     ("ETA-01.CLORO", 1.25, "uncertain", T), None),
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", 0.9, 0x80000000, T), ("ETA-01.CLORO", 0.9, "bad", T), None),
    (opcua.OpcValue("ns=2;i=17", True, 0, T), ("BOMBA", 1.0, "good", T), None),
    (opcua.OpcValue("ns=0;i=2258", 5, 0, T.replace(tzinfo=None)), ("SERVER.TIME", 5.0, "good", T), None),
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", None, 0x80310000, T), None, "sem_valor"),
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", "1.2", 0, T), None, "nao_numerico"),
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", float("nan"), 0, T), None, "nao_numerico"),
    (opcua.OpcValue("ns=2;s=ETA-01.CLORO", 12.0, 0, T), None, "fora_da_faixa"),
    (opcua.OpcValue("ns=2;s=OUTRO", 1.0, 0, T), None, "no_desconhecido"),
])
def test_opcua_convert(raw, expect, reason):
    rej = []
    out = opcua.convert([raw], OPC, rej, now=T)
    if expect is None:
        assert out == [] and [r.reason for r in rej] == [reason]
    else:
        assert rej == [] and [(r.tag, r.value, r.quality, r.ts) for r in out] == [expect]
        assert out[0].status == raw.status  # the raw status code is kept beside the quality


def test_opcua_without_timestamps_uses_now():
    out = opcua.convert([opcua.OpcValue("i=2258", 1.0)], OPC, now=T)
    assert out[0].ts == T


# ------------------------------------------------------------------ Modbus


@pytest.mark.parametrize(("value", "type_", "bo", "wo"), [
    (-2, "int16", "big", "big"), (65535, "uint16", "big", "big"), (300, "uint16", "little", "big"),
    (-123456, "int32", "big", "big"), (-123456, "int32", "big", "little"),
    (4_000_000_000, "uint32", "little", "little"), (3.5, "float32", "big", "big"),
    (3.5, "float32", "little", "little"), (-0.125, "float32", "big", "little"),
    (1e-3, "float32", "little", "big"),
])
def test_modbus_encode_decode_roundtrip(value, type_, bo, wo):
    regs = modbus.encode(value, type_, bo, wo)
    assert all(0 <= r <= 0xFFFF for r in regs) and len(regs) == modbus.WIDTH[type_]
    assert modbus.decode(regs, type_, bo, wo) == pytest.approx(value, rel=1e-6)


def test_modbus_byte_and_word_order_known_registers():
    # 123.456 as float32 = 0x42F6E979: ABCD (big/big), CDAB (word swap), BADC, DCBA
    assert modbus.decode([0x42F6, 0xE979], "float32") == pytest.approx(123.456, rel=1e-6)
    assert modbus.decode([0xE979, 0x42F6], "float32", "big", "little") == pytest.approx(123.456, rel=1e-6)
    assert modbus.decode([0xF642, 0x79E9], "float32", "little", "big") == pytest.approx(123.456, rel=1e-6)
    assert modbus.decode([0x79E9, 0xF642], "float32", "little", "little") == pytest.approx(123.456, rel=1e-6)
    assert modbus.decode([0xFFFF], "int16") == -1
    assert modbus.decode([0xFFFF], "uint16") == 65535


MB = modbus.ModbusMapping((
    ModbusPoint("P", 0, "holding", "float32"),
    ModbusPoint("N", 2, "holding", "uint16", scale=0.01),
    ModbusPoint("T", 3, "holding", "int16", scale=0.1, offset=-40, min=-50, max=80),
    ModbusPoint("Q", 10, "input", "int32", word_order="little"),
    ModbusPoint("B", 5, "coil"),
    ModbusPoint("D", 0, "discrete", device_id=2),
), device_id=1, ranges={"P": (0.0, 100.0)})


def test_modbus_plan_groups_contiguous_reads():
    assert modbus.plan(MB) == [(1, "coil", 5, 1), (1, "holding", 0, 4), (1, "input", 10, 2),
                               (2, "discrete", 0, 1)]
    far = modbus.ModbusMapping((ModbusPoint("a", 0), ModbusPoint("b", 150)))
    assert modbus.plan(far, max_block=100) == [(1, "holding", 0, 1), (1, "holding", 150, 1)]
    gap = modbus.ModbusMapping((ModbusPoint("a", 0), ModbusPoint("b", 5), ModbusPoint("c", 30)))
    assert modbus.plan(gap) == [(1, "holding", 0, 6), (1, "holding", 30, 1)]
    assert modbus.plan(gap, max_gap=0) == [(1, "holding", 0, 1), (1, "holding", 5, 1),
                                           (1, "holding", 30, 1)]


def test_modbus_convert_every_type():
    raw = [(1, "holding", 0, modbus.encode(42.5, "float32") + [1234, 650]),
           (1, "input", 10, modbus.encode(-70000, "int32", word_order="little")),
           (1, "coil", 5, [True]), (2, "discrete", 0, [False])]
    rej = []
    out = {r.tag: r.value for r in modbus.convert(raw, MB, rej, T)}
    assert rej == []
    assert out == {"P": 42.5, "N": 12.34, "T": pytest.approx(25.0), "Q": -70000.0, "B": 1.0, "D": 0.0}


@pytest.mark.parametrize(("raw", "tag", "reason"), [
    ([(1, "holding", 0, modbus.encode(math.nan, "float32") + [0, 650])], "P", "nao_numerico"),
    ([(1, "holding", 0, modbus.encode(150.0, "float32") + [0, 650])], "P", "fora_da_faixa"),
    ([(1, "holding", 0, modbus.encode(1.0, "float32") + [0, 1400])], "T", "fora_da_faixa"),
    ([(1, "holding", 0, modbus.encode(1.0, "float32") + [0])], "T", "sem_resposta"),
])
def test_modbus_bad_values_are_rejected(raw, tag, reason):
    rej = []
    out = modbus.convert(raw, MB, rej, T)
    assert (tag, reason) in [(r.tag, r.reason) for r in rej]
    assert tag not in {r.tag for r in out}


# ------------------------------------------------------------------ helpers


@pytest.mark.parametrize(("raw", "expect"), [
    (1, 1.0), ("2,5", 2.5), (" 3.25 ", 3.25), (b"4", 4.0), (True, 1.0), ("1,000.5", None),
    ("abc", None), (None, None), ([1], None), ("nan", None), (float("inf"), None),
])
def test_to_float(raw, expect):
    assert to_float(raw) == expect


@pytest.mark.parametrize(("raw", "expect"), [
    (1775037600, T), (1775037600000, T), (1775037600000000, T), ("2026-04-01T10:00:00Z", T),
    ("2026-04-01T07:00:00-03:00", T), ("2026-04-01T10:00:00", T), ("1775037600", T),
    ("ontem", None), (None, None), (True, None),
])
def test_parse_ts(raw, expect):
    assert parse_ts(raw) == expect


# ------------------------------------------------------------------ TOML


def test_shipped_sample_config_is_valid_and_current():
    from telemetry.demo.layout import sample_toml

    assert tcfg.SAMPLE.read_text() == sample_toml()
    cfg = tcfg.load()
    assert [c.kind for c in cfg.connectors] == ["opcua", "modbus", "mqtt"]


@pytest.mark.parametrize(("extra", "problem"), [
    ({"user_certificate": "op.der"}, "user_certificate e user_private_key devem ser informados juntos"),
    ({"user_certificate": "op.der", "user_private_key": "op.pem", "username": "scada"},
     "use username/password_env ou user_certificate, não ambos"),
    ({}, None),
    ({"user_certificate": "op.der", "user_private_key": "op.pem"}, None),
])
def test_opcua_user_identity_options(extra, problem):
    block = {"kind": "opcua", "name": "a", "endpoint": "opc.tcp://127.0.0.1:4840/",
             "nodes": [{"node": "i=2258", "tag": "T"}], **extra}
    if problem is None:
        [c] = tcfg.parse({"connector": [block]}).connectors
        assert c.user_certificate == extra.get("user_certificate", "")
    else:
        with pytest.raises(tcfg.ConfigInvalid, match=problem):
            tcfg.parse({"connector": [block]})


def test_config_reports_every_problem_in_portuguese(tmp_path):
    bad = {
        "ingest": {"batch_size": "muito", "nada": 1},
        "connector": [
            {"kind": "opcua", "name": "a", "endpoint": "http://x", "mode": "magia",
             "security_policy": "Basic256Sha256", "nodes": [{"node": "i=1"}]},
            {"kind": "modbus", "name": "a", "host": "h", "port": 70000,
             "points": [{"tag": "x", "address": 1, "type": "float64", "table": "holding"}]},
            {"kind": "mqtt", "name": "c", "qos": 3, "topics": [{"pattern": "a/#/b"}]},
            {"kind": "bacnet", "name": "d"},
            {"kind": "mqtt", "name": "e"},
        ],
    }
    with pytest.raises(tcfg.ConfigInvalid) as err:
        tcfg.parse(bad)
    text = "\n".join(err.value.problems)
    for expected in ["ingest.batch_size: tipo inválido", "ingest.nada: chave desconhecida",
                     "connector[0].nodes[0].tag: obrigatório", "connector[1].name: nome repetido",
                     "connector[1].points[0].type", "connector[1]: port entre 1 e 65535",
                     "connector[2]: qos deve ser 0, 1 ou 2", "connector[2].topics[0].pattern",
                     "connector[3].kind", "connector[4].topics: obrigatório"]:
        assert expected in text, (expected, text)
    p = tmp_path / "x.toml"
    p.write_text("[[connector]\n")
    with pytest.raises(tcfg.ConfigInvalid, match="TOML inválido"):
        tcfg.load(p)
    with pytest.raises(tcfg.ConfigInvalid, match="não encontrado"):
        tcfg.load(tmp_path / "nao.toml")
