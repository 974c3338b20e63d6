"""The ingester's disk buffer: order, resume after a crash mid-replay, restart counting."""

from __future__ import annotations

import datetime as dt

import pytest

from telemetry.connectors.base import Reading
from telemetry.ingest import DiskBuffer
from telemetry.storage import StoreUnavailable

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def batch(start, n, tag="A"):
    return [Reading(tag, T0 + dt.timedelta(seconds=start + i), float(start + i),
                    "bad" if i % 7 == 0 else "good") for i in range(n)]


def test_replay_in_order_across_segments(tmp_path):
    buf = DiskBuffer(tmp_path, segment_max_bytes=2000)
    for k in range(10):
        buf.append(batch(k * 50, 50))
    assert buf.depth == 500 and buf.segments() > 3
    got = []
    buf.replay(got.extend, chunk=64)
    assert got == [r for k in range(10) for r in batch(k * 50, 50)]
    assert buf.depth == 0 and buf.segments() == 0
    buf.append(batch(0, 3))  # usable again after draining
    assert buf.depth == 3


def test_failed_replay_keeps_the_rest_and_resumes_where_it_stopped(tmp_path):
    buf = DiskBuffer(tmp_path)
    buf.append(batch(0, 100))
    got, calls = [], []

    def flaky(readings):
        calls.append(len(readings))
        if len(calls) == 3:
            raise StoreUnavailable("caiu")
        got.extend(readings)

    with pytest.raises(StoreUnavailable):
        buf.replay(flaky, chunk=20)
    assert len(got) == 40 and buf.depth == 60
    buf.append(batch(100, 10))  # appended while the store is down: after the rest
    buf.close()
    # a restart: the new buffer counts what is left and resumes at the recorded position
    again = DiskBuffer(tmp_path)
    assert again.depth == 70
    again.replay(got.extend, chunk=1000)
    assert got == batch(0, 100) + batch(100, 10)
    assert again.depth == 0


def test_odd_tag_names_survive_the_buffer(tmp_path):
    buf = DiskBuffer(tmp_path)
    rs = [Reading("a b,c=d/é", T0, 1.5), Reading("x", T0 + dt.timedelta(microseconds=7), -2e-9),
          Reading("opc", T0, 7.5, "uncertain", 0x408F0000)]  # the OPC UA status code too
    buf.append(rs)
    got = []
    buf.replay(got.extend)
    assert got == rs
