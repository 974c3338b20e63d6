"""Telemetry test helpers: a real influxd on 127.0.0.1:8086 (scripts/start-influxd), free ports."""

from __future__ import annotations

import socket
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFLUX_URL = "http://127.0.0.1:8086"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def influx_url() -> str:
    """Start influxd when it is not running (idempotent script)."""
    try:
        subprocess.run([str(ROOT / "scripts" / "start-influxd")], check=True, timeout=60,
                       capture_output=True)
    except (subprocess.SubprocessError, FileNotFoundError) as exc:
        pytest.skip(f"influxd indisponível: {exc}")
    return INFLUX_URL


@pytest.fixture()
def influx(influx_url: str):
    """An InfluxStorage on a database of its own, dropped afterwards."""
    from telemetry.storage import InfluxStorage

    store = InfluxStorage(influx_url, f"saae_test_{uuid.uuid4().hex[:10]}")
    store.ensure_database()
    yield store
    try:
        store._request("POST", "/query", params={"q": f'DROP DATABASE "{store.database}"'})
    finally:
        store.close()
