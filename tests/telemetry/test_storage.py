"""Both storage backends honour the same interface (SQL table and a real influxd)."""

from __future__ import annotations

import datetime as dt

import pytest

from telemetry.connectors.base import Reading
from telemetry.storage import InfluxStorage, SqlStorage, StoreUnavailable, line_protocol

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _readings():
    return [
        Reading("SET-01.PRESSAO", T0 + dt.timedelta(seconds=i * 30), 20.0 + i,
                "bad" if i == 3 else "good")
        for i in range(10)
    ] + [Reading("tag com espaco,e=virgula", T0, 1.5)]


def _contract(store):
    rs = _readings()
    assert store.write(rs) == len(rs)
    assert store.write(rs[:4]) == 4  # replaying is idempotent
    win = store.read_window("SET-01.PRESSAO", T0 + dt.timedelta(seconds=60), T0 + dt.timedelta(seconds=150))
    assert [r.value for r in win] == [22.0, 23.0, 24.0]  # [start, end), oldest first
    assert win[1].quality == "bad"
    assert all(r.ts.tzinfo is not None for r in win)
    assert win[0].ts == T0 + dt.timedelta(seconds=60)
    last = store.last("SET-01.PRESSAO")
    assert last is not None and last.value == 29.0
    assert store.last("NAO-EXISTE") is None
    assert store.read_window("NAO-EXISTE", T0, T0 + dt.timedelta(hours=1)) == []
    odd = store.read_window("tag com espaco,e=virgula", T0, T0 + dt.timedelta(seconds=1))
    assert [r.value for r in odd] == [1.5]
    assert store.health().ok


def test_sql_storage_contract(db):
    store = SqlStorage()
    _contract(store)
    latest = store.latest_per_tag()
    assert latest["SET-01.PRESSAO"].value == 29.0
    assert store.count("SET-01.PRESSAO") == 10


def test_sql_storage_rejects_naive_datetimes(db):
    with pytest.raises(ValueError):
        SqlStorage().read_window("x", dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2))


@pytest.mark.live
def test_influx_storage_contract(influx):
    _contract(influx)
    assert influx.count("SET-01.PRESSAO") == 10
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    influx.write([Reading("A", now, 1.0), Reading("B", now, 2.0, "uncertain", 0x408F0000)])
    latest = influx.latest_per_tag()
    assert latest["A"].value == 1.0 and latest["B"].quality == "uncertain"
    # the OPC UA status code is kept (an integer field, written only when not 0)
    assert latest["B"].status == 0x408F0000 and latest["A"].status == 0
    assert influx.last("B") == Reading("B", now, 2.0, "uncertain", 0x408F0000)


@pytest.mark.live
def test_influx_down_raises_store_unavailable():
    from tests.telemetry.conftest import free_port

    store = InfluxStorage(f"http://127.0.0.1:{free_port()}", "saae", timeout=1)
    with pytest.raises(StoreUnavailable):
        store.write(_readings())
    assert not store.health().ok


def test_line_protocol_escapes_and_precision():
    body = line_protocol([Reading("a b,c=d", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 1.0, "bad"),
                          Reading("x", dt.datetime(1970, 1, 1, 0, 0, 0, 5, tzinfo=dt.UTC), 2),
                          Reading("y", dt.datetime(1970, 1, 1, tzinfo=dt.UTC), 3, "good", 0x00A30000)])
    assert body == (b'reading,tag=a\\ b\\,c\\=d value=1.0,quality="bad" 1767225600000000\n'
                    b"reading,tag=x value=2.0 5\n"
                    b"reading,tag=y value=3.0,status=10682368i 0")
