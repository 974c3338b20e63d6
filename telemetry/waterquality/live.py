"""The `qualidade` detector as the monitor runs it, with a choice of method:

- "indice" (default): telemetry.detection.water_quality, the first detector;
- "robusto": the frozen-reference robust detector (telemetry.waterquality.robust);
- "modelo": the supervised model (telemetry.waterquality.model), loaded from the
  utility's model directory (the newest version, or `model_version`).

All three are pure functions of the window of readings; they return `Finding`s of kind
"qualidade" with the signals that moved most as evidence.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from telemetry.detection import (
    SEVERITIES,
    Finding,
    ReadingLike,
    alarm_episodes,
    on_grid,
    severity_rank,
    water_quality,
)
from telemetry.waterquality import model as wq_model
from telemetry.waterquality import robust

METHODS = ("indice", "robusto", "modelo")
ROBUST_KEYS = ("freeze", "max_freeze", "band", "cap", "k_off", "off_ratio", "trend_window",
               "trend_gain")
_models: dict[tuple[str, int | None], tuple[float, wq_model.Trained]] = {}
_models_lock = threading.Lock()
RECENT = 16  # windows remembered (a plant has about 6 quality tags)
_recent: OrderedDict[tuple, list[Finding]] = OrderedDict()
_recent_lock = threading.Lock()


def load_model(directory: str | Path, version: int | None = None) -> wq_model.Trained:
    """The model, read once per process and again when a newer version appears."""
    directory = Path(directory)
    newest = (wq_model.versions(directory) or [0])[-1]
    key = (str(directory), version)
    with _models_lock:
        hit = _models.get(key)
        if hit is not None and (version is not None or hit[0] == newest):
            return hit[1]
        m = wq_model.load(directory, version)
        _models[key] = (m.card.get("version", newest), m)
        return m


def _per_tag(values: Mapping[str, float] | None, names: Sequence[str]) -> list[float]:
    if not values:
        return []
    if not all(n in values for n in names):
        return []
    return [float(values[n]) for n in names]


def detect(series: Mapping[str, Sequence[ReadingLike]], *, start: dt.datetime, end: dt.datetime,
           **params: Any) -> list[Finding]:
    """Water-quality events over several tags (see `_detect`), remembered for the last few
    windows: when every quality tag of a plant hosts the same detector, one monitor pass asks
    the same question once per tag; it is answered once. The key is the window, the
    parameters and, per tag, how many readings and the first and last of them (readings
    are appended, so a window's answer cannot change without those changing)."""
    key = _key(series, start, end, params)
    with _recent_lock:
        hit = _recent.get(key) if key is not None else None
    if hit is not None:
        return copy.deepcopy(hit)
    found = _detect(series, start=start, end=end, **params)
    if key is not None:
        with _recent_lock:
            _recent[key] = copy.deepcopy(found)
            while len(_recent) > RECENT:
                _recent.popitem(last=False)
    return found


def forget() -> None:
    """Drop the remembered windows (benchmarks measuring one pass)."""
    with _recent_lock:
        _recent.clear()


def _key(series: Mapping[str, Sequence[ReadingLike]], start: dt.datetime, end: dt.datetime,
         params: Mapping[str, Any]) -> tuple | None:
    try:
        tags = tuple((name, len(rs), rs[0].ts, rs[-1].ts, rs[-1].value, rs[-1].quality)
                     if len(rs) else (name, 0) for name, rs in series.items())
        return (start, end, tags, repr(sorted(params.items())))
    except (AttributeError, TypeError):  # readings without those fields: not remembered
        return None


def _detect(series: Mapping[str, Sequence[ReadingLike]], *, start: dt.datetime, end: dt.datetime,
            method: str = "indice", step_s: float = 60.0, baseline_s: float = 12 * 3600.0,
            threshold: float | None = None, k_on: int | None = None,
            severity: str = "media", model_dir: str | None = None,
            model_version: int | None = None, long_scale: Mapping[str, float] | None = None,
            min_scale: Mapping[str, float] | None = None,
            spike: Mapping[str, int] | None = None,
            trend_scale: Mapping[str, float] | None = None, **kw: Any) -> list[Finding]:
    """Water-quality events over several tags by `method` (see the module docstring)."""
    if method == "indice":
        extra = {k: v for k, v in kw.items() if k in ("refresh_s", "k_off", "combine")}
        return water_quality(series, start=start, end=end, step_s=step_s, baseline_s=baseline_s,
                             threshold=10.0 if threshold is None else threshold,
                             k_on=2 if k_on is None else k_on, min_scale=min_scale,
                             severity=severity, **extra)
    window = on_grid(series, start=start, end=end, step_s=step_s, baseline_s=baseline_s)
    if window is None:
        return []
    names, grid, x, base_rows = window
    if method == "robusto":
        params = robust.RobustParams(
            baseline=base_rows, spike=[int((spike or {}).get(n, 1)) for n in names],
            long_scale=_per_tag(long_scale, names), min_scale=_per_tag(min_scale, names),
            trend_scale=_per_tag(trend_scale, names),
            threshold=8.0 if threshold is None else float(threshold),
            k_on=2 if k_on is None else int(k_on),
            **{k: kw[k] for k in ROBUST_KEYS if k in kw})
        state = robust.scores(x, params)
        mask = robust.flags(state.score, params)
        return _findings(grid, x, state.score, state.z, mask, names, params.threshold,
                         severity, base_rows, "indice robusto")
    if method == "modelo":
        if not model_dir:
            raise ValueError("método modelo sem diretório de modelos")
        m = load_model(model_dir, model_version)
        if len(m.columns) != len(names):
            raise ValueError(f"o modelo v{m.card.get('version')} espera {len(m.columns)} sinais "
                             f"({', '.join(m.columns)}); a configuração tem {len(names)}")
        p = robust.RobustParams(**{**m.robust_params.__dict__, "baseline": base_rows})
        feats, _ = wq_model.features(x, p)
        flag, prob = m.flags(feats=feats)
        z = feats[:, :len(names)]
        return _findings(grid, x, prob, z, flag, names, float(m.alarm["threshold"]), severity,
                         base_rows, f"modelo v{m.card.get('version')}", scale=100.0)
    raise ValueError(f"método desconhecido: {method}")


def _findings(grid: list[dt.datetime], x: np.ndarray, score: np.ndarray, z: np.ndarray,
              mask: np.ndarray, names: list[str], threshold: float, severity: str,
              first: int, what: str, scale: float = 1.0) -> list[Finding]:
    out: list[Finding] = []
    n = len(grid)
    for s, j in alarm_episodes(mask, score, threshold, first):
        seg = slice(s, j)
        peak_row = s + int(np.nanargmax(score[seg]))
        peak = float(score[peak_row])
        with np.errstate(all="ignore"):
            zmax = np.nanmax(np.abs(np.where(np.isnan(z[seg]), 0, z[seg])), axis=0)
        order = [int(c) for c in np.argsort(-zmax)]
        drivers = [{"tag": names[c], "z": None if z[peak_row, c] != z[peak_row, c]
                    else round(float(z[peak_row, c]), 2),
                    "value": None if x[peak_row, c] != x[peak_row, c] else float(x[peak_row, c]),
                    "max_abs_z": round(float(zmax[c]), 2)} for c in order[:5]]
        sev = severity
        ratio = peak / threshold if threshold > 0 else 1.0
        if scale == 1.0 and ratio > 4:
            sev = "critica"
        elif ratio > 2 or (scale != 1.0 and peak > 0.95):
            sev = SEVERITIES[max(severity_rank(severity), severity_rank("alta"))]
        top = ", ".join(d["tag"] for d in drivers[:3] if d["max_abs_z"] > 3)
        shown = f"{peak * scale:.0f}{'%' if scale != 1.0 else ''}"
        out.append(Finding("qualidade", grid[s], None if j >= n else grid[j], sev,
                           f"Evento de qualidade da água ({what}: {shown})"
                           f"{': ' + top if top else ''}", peak,
                           evidence={"score": peak, "threshold": threshold, "method": what,
                                     "drivers": drivers, "peak_at": grid[peak_row].isoformat()}))
    return out
