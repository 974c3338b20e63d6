"""The detection monitor: runs each tag's configured detectors over its recent window, read
through the time-series store, and records what they find as anomalies.

- One open anomaly per (tag, kind), ever: while a detector keeps seeing an episode the
  monitor updates the open anomaly (last seen, worst value); a higher severity escalates
  it and publishes `AnomalyDetected` again with the same anomaly_id; when the detector no
  longer sees it the anomaly is closed and `AnomalyCleared` published. A partial unique
  index in the database backs this up when two monitors race.
- An ETA stoppage (`parada_eta` on the plant's outlet flow) also publishes
  `EtaStoppageStarted` / `EtaStoppageEnded` for the LIMS.
- Communication loss runs for every active tag (k = 5 expected periods) unless the tag's
  configuration says `"comunicacao": false`; other detectors only when configured.
- Each tag is its own unit of work: a broken configuration or a store hiccup on one tag
  is logged and does not stop the others.

Runs every minute from saae/worker.py BEAT (`run_scheduled`), or in a thread of the
embedded demo (`start_background`).
"""

from telemetry.monitor.anomalies import (
    LABELS,
    acknowledge,
    anomalies_in,
    close,
    get_anomaly,
    label,
    labelled,
    list_anomalies,
    open_count,
)
from telemetry.monitor.background import MonitorThread, apply_suggested_detectors, start_background
from telemetry.monitor.record import RunReport, reconcile
from telemetry.monitor.run import (
    QUALITY_QUANTITIES,
    WindowCache,
    effective_config,
    model_dir,
    run_detector,
    run_once,
    run_scheduled,
)

__all__ = [
    "LABELS", "QUALITY_QUANTITIES", "MonitorThread", "RunReport", "WindowCache", "acknowledge",
    "anomalies_in", "apply_suggested_detectors", "close", "effective_config", "get_anomaly",
    "label", "labelled", "list_anomalies", "model_dir", "open_count", "reconcile",
    "run_detector", "run_once", "run_scheduled", "start_background",
]
