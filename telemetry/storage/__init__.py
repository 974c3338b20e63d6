"""Time-series storage: one interface, two backends.

- `InfluxStorage`: InfluxDB through the v1 HTTP API (POST /write line protocol, GET/POST
  /query InfluxQL). Works on InfluxDB 1.x and on 2.x/3.x through their v1 compatibility
  endpoints. Measurement `reading`, tag key `tag`, fields `value` (float), `quality`
  (string, only written when not "good", so the common case stays small) and `status`
  (integer, the OPC UA status code, only written when not 0).
- `SqlStorage`: the `telemetry_reading` table (SAAE_TIMESERIES_URL=sql, the embedded demo).

The interface (every backend, synchronous; the ingester calls it from a worker thread):

    write(readings) -> int                      batch; raises StoreUnavailable when down
    read_window(tag, start, end) -> [Reading]   [start, end), oldest first
    last(tag) -> Reading | None
    latest_per_tag() -> {tag: Reading}
    health() -> StoreHealth
    close()

Writes are idempotent per (tag, ts): replaying a buffer segment twice stores nothing twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telemetry.storage.base import (
    EPOCH,
    Storage,
    StoreHealth,
    StoreRejected,
    StoreUnavailable,
    from_us,
    to_us,
)
from telemetry.storage.influx import InfluxStorage, line_protocol

if TYPE_CHECKING:
    from core.config import Settings
    from telemetry.storage.sql import SqlStorage

__all__ = ["EPOCH", "InfluxStorage", "SqlStorage", "Storage", "StoreHealth", "StoreRejected",
           "StoreUnavailable", "from_us", "line_protocol", "open_storage", "storage_for",
           "to_us"]


def open_storage(settings: Settings, *, own_engine: bool = False) -> Storage:
    """The store named by settings.timeseries_url ("sql" or an http(s) InfluxDB URL).

    `own_engine=True` gives the SQL store an engine of its own (for the ingester process and
    background threads, which must not share the request-scoped session)."""
    url = settings.timeseries_url.strip()
    if url == "sql":
        from telemetry.storage import sql  # why: no SQLAlchemy in an InfluxDB ingester

        engine = sql.make_engine(settings.database_url) if own_engine else None
        return sql.SqlStorage(engine)
    if url.startswith(("http://", "https://")):
        return InfluxStorage(url, settings.influx_database, settings.influx_user,
                             settings.influx_password)
    raise ValueError(f"SAAE_TIMESERIES_URL inválida: {url!r} (use 'sql' ou http://host:8086)")


_default: dict[tuple[str, str], Storage] = {}


def storage_for(settings: Settings) -> Storage:
    """A process-wide store for the web app (one HTTP session / engine per configuration)."""
    key = (settings.timeseries_url, settings.influx_database)
    store = _default.get(key)
    if store is None:
        store = _default[key] = open_storage(settings)
    return store


def __getattr__(name: str) -> Any:
    """`SqlStorage` on first use: the ingester writing to InfluxDB never loads SQLAlchemy and
    the ORM models (about 30 MB of its memory)."""
    if name == "SqlStorage":
        from telemetry.storage.sql import SqlStorage  # why: as the docstring says

        return SqlStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
