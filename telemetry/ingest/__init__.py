"""The ingester (`saae ingest`): one asyncio process supervising every connector of the TOML.

    connectors --sink--> Batcher --writer thread--> store (InfluxDB / SQL)
                                           \\--> DiskBuffer when the store is down

- The batcher is a lock-protected list: connectors (paho's thread, asyncio tasks) append
  without an event-loop hop; one writer thread takes a batch every `flush_interval_s` or as
  soon as `batch_size` readings wait.
- When a write fails with StoreUnavailable, that batch and every later one go to the disk
  buffer (append-only segment files, fsync'ed) so their order is kept; the writer probes the
  store with backoff and replays the segments oldest first, then returns to direct writes.
- Acknowledgements (`done` callbacks, e.g. MQTT PUBACKs) run only once a batch is durable,
  in the store or on disk. Segments left by a previous run are replayed at start-up, so
  neither a store outage nor an ingester restart loses a reading.
"""

from telemetry.ingest.batcher import Batcher
from telemetry.ingest.buffer import DiskBuffer
from telemetry.ingest.dead_letters import DeadLetters
from telemetry.ingest.ingester import Ingester, buffer_dir_for, make_connector, running

__all__ = ["Batcher", "DeadLetters", "DiskBuffer", "Ingester", "buffer_dir_for",
           "make_connector", "running"]
# `saae ingest` itself (database session, signals) is telemetry.ingest.process.run_ingester
