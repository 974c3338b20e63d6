"""`saae ingest`: the ingester as a process of its own (database session, signals)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

import telemetry.models  # noqa: F401  (registers the tables used below)
from core.db import init_engine
from core.db import session as db_session
from telemetry import services
from telemetry.config import TelemetryConfig
from telemetry.ingest.ingester import Ingester, buffer_dir_for
from telemetry.ingest.instances import buffer_dir_of, for_instance
from telemetry.storage import open_storage

log = logging.getLogger(__name__)


def run_ingester(settings: Any, config: TelemetryConfig) -> None:
    """`saae ingest`: blocks until SIGINT/SIGTERM, then flushes and exits."""
    instance = settings.ingest_instance
    config = for_instance(config, instance)
    # no Flask app here: the ingester only needs the database session (not the web stack)
    init_engine(settings.database_url)
    ranges: dict[str, tuple[float | None, float | None]] = {}
    if config.ingest.load_ranges_from_db:
        try:
            ranges = services.tag_ranges()
        except Exception as exc:  # the ingester must run even when the database is down
            log.warning("ingest: faixas plausiveis das tags nao carregadas: %s", exc)
        finally:
            db_session.remove()

    refreshed = [time.monotonic()]

    def on_state(rows: list[dict[str, Any]]) -> None:
        try:
            services.record_connector_states(rows)
            # a tag registered while the ingester runs is accepted within a minute
            if config.ingest.reject_unknown_tags and time.monotonic() - refreshed[0] > 60:
                refreshed[0] = time.monotonic()
                ing.dead.known_tags = set(services.tag_ranges())
        finally:
            db_session.remove()

    known: set[str] | None = None
    if config.ingest.reject_unknown_tags:
        try:
            known = set(services.tag_ranges())
        except Exception as exc:  # without the list, no reading is refused for its tag
            log.warning("ingest: lista de tags nao carregada; tags nao verificadas: %s", exc)
        finally:
            db_session.remove()
    store = open_storage(settings, own_engine=True)
    ing = Ingester(config, store, buffer_dir_of(buffer_dir_for(settings, config.ingest), instance),
                   ranges, on_state, known_tags=known,
                   name=f"ingester@{instance}" if instance else "ingester")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, ing.stop)
        log.info("ingest: %d conectores, banco %s, buffer %s", len(config.connectors),
                 store.backend, ing.buffer.dir)
        await ing.run()

    asyncio.run(main())
    store.close()
