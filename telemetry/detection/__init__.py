"""Anomaly detectors: pure functions of a window of readings (no database, no I/O).

Every detector takes the readings of a window, oldest first, plus its parameters (read from
the tag's `detectors` JSON by telemetry.monitor) and returns `Finding`s: episodes with a
start, an end (None while still going at the end of the window), a severity and evidence.
The monitor turns findings into recorded anomalies; the detectors know nothing about that.

Rules shared by all detectors:
- readings whose quality is not "good" never raise (nor clear) a process alarm: they are
  skipped, as if the instrument had said nothing;
- communication loss and a stuck sensor are sensor faults (`process=False`), not process
  anomalies, so incidents can route them to instrumentation instead of operations;
- parameters come from data (the tag's configuration); defaults here are only the shape
  of a sensible configuration, never regulatory values.

Kinds: limite | taxa | travado | comunicacao | vazao_noturna | cusum | ewma | qualidade |
parada_eta.

Where each detector lives:
- threshold.py: `limite` (threshold with hysteresis and on/off delays) and `parada_eta`;
- rate.py: `taxa`; sensor.py: `travado` and `comunicacao`; night_flow.py: `vazao_noturna`;
- shift.py: `cusum` and `ewma`; water_quality.py: `qualidade` (and the alarm persistence
  and episode walk shared with telemetry.waterquality);
- registry.py: the table the monitor reads (DETECTORS, PARAMS), validation, suggestions.
"""

from telemetry.detection.common import (
    KIND_LABELS,
    KINDS,
    SENSOR_KINDS,
    SEVERITIES,
    Finding,
    ReadingLike,
    severity_rank,
)
from telemetry.detection.night_flow import minimum_night_flows, night_flow_rise
from telemetry.detection.rate import rate_of_change
from telemetry.detection.registry import (
    DETECTORS,
    PARAMS,
    DetectorSpec,
    suggested_config,
    validate_config,
)
from telemetry.detection.sensor import communication_loss, flatline
from telemetry.detection.shift import cusum, ewma, robust_baseline
from telemetry.detection.threshold import eta_stoppage, threshold
from telemetry.detection.water_quality import (
    alarm_episodes,
    alarm_mask,
    align,
    on_grid,
    resolution,
    robust_scores,
    water_quality,
)

__all__ = [
    "DETECTORS", "KINDS", "KIND_LABELS", "PARAMS", "SENSOR_KINDS", "SEVERITIES", "DetectorSpec",
    "Finding", "ReadingLike", "alarm_episodes", "alarm_mask", "align", "communication_loss",
    "cusum", "eta_stoppage", "ewma", "flatline", "minimum_night_flows", "night_flow_rise", "on_grid",
    "rate_of_change", "resolution", "robust_baseline", "robust_scores", "severity_rank",
    "suggested_config", "threshold", "validate_config", "water_quality",
]
