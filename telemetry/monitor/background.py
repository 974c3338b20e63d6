"""The monitor in a thread of the web process (the embedded demo), and the suggested
detector configuration it applies first."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select

from core.audit import audit_context
from core.db import session, transactional
from telemetry import detection
from telemetry.models.tags import Tag
from telemetry.monitor.record import RunReport
from telemetry.monitor.run import run_once

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 60.0


class MonitorThread:
    """Runs `run_once` every `interval_s` in a daemon thread, inside the app context."""

    def __init__(self, app: Any, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.app = app
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="saae-telemetry-monitor",
                                        daemon=True)
        self.passes = 0
        self.last_report: RunReport | None = None

    def start(self) -> MonitorThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    self.last_report = run_once()
                    self.passes += 1
                except Exception:  # keep the thread alive; the next pass may work
                    log.exception("monitor de telemetria falhou")
                    session.rollback()
                finally:
                    session.remove()
            self._stop.wait(self.interval_s)


@transactional
def apply_suggested_detectors(only_empty: bool = True) -> list[str]:
    """Give tags without any detector configuration the suggested one for what they
    measure (detection.suggested_config); audited. Returns the tag names changed."""
    changed = []
    with audit_context(reason="configuração sugerida dos detectores"):
        for tag in session.scalars(select(Tag).where(Tag.active.is_(True))).unique():
            if only_empty and tag.detectors:
                continue
            tag.detectors = detection.suggested_config(
                str(tag.quantity), str(tag.asset.kind), tag_name=tag.name,
                plausible_min=tag.plausible_min, plausible_max=tag.plausible_max)
            changed.append(tag.name)
        session.flush()
    return changed


def start_background(app: Any, interval_s: float = DEFAULT_INTERVAL_S,
                     suggest: bool = True) -> MonitorThread:
    """Start the monitor thread once per app (the embedded demo calls this). With
    `suggest`, tags that were never configured get the suggested detectors first, so the
    demo's injected events (burst, turbidity, stoppage...) show up as anomalies."""
    existing = app.extensions.get("telemetry_monitor")
    if existing is not None and existing.alive:
        return existing
    if suggest:
        with app.app_context():
            try:
                names = apply_suggested_detectors()
                if names:
                    log.info("detectores sugeridos aplicados a %d tags", len(names))
            finally:
                session.remove()
    t = MonitorThread(app, interval_s).start()
    app.extensions["telemetry_monitor"] = t
    return t
