"""Live: the Modbus connector against a real pymodbus TCP server, including a restart."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from telemetry.config import ModbusConfig, ModbusPoint
from telemetry.connectors.modbus import ModbusConnector, encode
from tests.telemetry.conftest import free_port

pytestmark = pytest.mark.live


def _device(dev_id):
    return SimDevice(id=dev_id, simdata=(
        [SimData(0, count=16, values=False, datatype=DataType.BITS)],
        [SimData(0, count=16, values=False, datatype=DataType.BITS)],
        [SimData(0, count=50, values=0, datatype=DataType.REGISTERS)],
        [SimData(0, count=50, values=0, datatype=DataType.REGISTERS)],
    ))


async def _server(port):
    srv = ModbusTcpServer([_device(1), _device(7)], address=("127.0.0.1", port))
    await srv.serve_forever(background=True)
    await srv.async_setValues(1, 3, 0, encode(12.75, "float32", "little", "little"))
    await srv.async_setValues(1, 3, 2, encode(-5, "int16"))
    await srv.async_setValues(1, 3, 3, encode(-100000, "int32", "big", "little"))
    await srv.async_setValues(1, 3, 5, encode(3_000_000_000, "uint32"))
    await srv.async_setValues(1, 4, 0, [2345])
    await srv.async_setValues(1, 1, 3, [True])
    await srv.async_setValues(7, 2, 1, [True])
    await srv.async_setValues(7, 3, 10, encode(float("nan"), "float32"))  # failed sensor
    return srv


def test_modbus_types_device_ids_and_reconnect():
    port = free_port()
    cfg = ModbusConfig(name="plc", host="127.0.0.1", port=port, poll_interval_s=0.1,
                       timeout_s=1, retries=0, reconnect_initial_s=0.2, reconnect_max_s=0.5,
                       points=(
        ModbusPoint("F", 0, "holding", "float32", byte_order="little", word_order="little"),
        ModbusPoint("I16", 2, "holding", "int16"),
        ModbusPoint("I32", 3, "holding", "int32", word_order="little"),
        ModbusPoint("U32", 5, "holding", "uint32", scale=1e-3),
        ModbusPoint("NIVEL", 0, "input", "uint16", scale=0.01, offset=1.0),
        ModbusPoint("BOMBA", 3, "coil"),
        ModbusPoint("ALARME", 1, "discrete", device_id=7),
        ModbusPoint("NAN", 10, "holding", "float32", device_id=7),
    ))

    async def scenario():
        srv = await _server(port)
        got = []
        conn = ModbusConnector(cfg)
        task = asyncio.create_task(conn.run(lambda rs, done=None: got.append(rs)))
        for _ in range(50):
            await asyncio.sleep(0.05)
            if got:
                break
        first = {r.tag: r.value for r in got[0]}
        # the PLC goes away and comes back on the same port
        await srv.shutdown()
        await asyncio.sleep(0.6)
        down_state = conn.state
        n_before = len(got)
        srv = await _server(port)
        for _ in range(60):
            await asyncio.sleep(0.05)
            if len(got) > n_before and conn.state == "conectado":
                break
        await conn.close()
        await asyncio.wait_for(task, 5)
        await srv.shutdown()
        return first, down_state, len(got) > n_before, conn

    first, down_state, recovered, conn = asyncio.run(scenario())
    assert first == {"F": 12.75, "I16": -5.0, "I32": -100000.0, "U32": 3_000_000.0,
                     "NIVEL": pytest.approx(24.45), "BOMBA": 1.0, "ALARME": 1.0}
    assert conn.rejects.counts[("NAN", "nao_numerico")] >= 1
    assert down_state == "conectando"
    assert recovered


def test_modbus_unreachable_device_is_retried_not_fatal():
    cfg = ModbusConfig(name="x", host="127.0.0.1", port=free_port(), timeout_s=0.3, retries=0,
                       reconnect_initial_s=0.1, reconnect_max_s=0.2,
                       points=(ModbusPoint("A", 0),))

    async def scenario():
        conn = ModbusConnector(cfg)
        task = asyncio.create_task(conn.run(lambda rs, done=None: None))
        await asyncio.sleep(0.8)
        state, err = conn.state, conn.last_error
        await conn.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(task, 3)
        return state, err

    state, err = asyncio.run(scenario())
    assert state == "conectando" and "ConnectionError" in (err or "")
