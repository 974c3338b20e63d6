"""The detectors the monitor runs: name -> (function, how much history it needs), the
parameters each accepts, their validation and a suggested starting configuration."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from telemetry.detection.common import KIND_LABELS, SEVERITIES, Finding
from telemetry.detection.night_flow import night_flow_rise
from telemetry.detection.rate import rate_of_change
from telemetry.detection.sensor import communication_loss, flatline
from telemetry.detection.shift import cusum, ewma
from telemetry.detection.threshold import eta_stoppage, threshold
from telemetry.detection.water_quality import water_quality


@dataclass(frozen=True)
class DetectorSpec:
    fn: Callable[..., list[Finding]]
    lookback: Callable[[dict[str, Any], int], dt.timedelta]  # (params, period_s) -> window
    label: str
    # record episodes that began and ended between two passes; off for communication loss,
    # where a first look at a sparse history would otherwise file every old gap
    record_past: bool = True


def _lb_short(p: dict[str, Any], period: int) -> dt.timedelta:
    return dt.timedelta(seconds=max(3600.0, 4 * float(p.get("on_delay_s", 0)),
                                    4 * float(p.get("off_delay_s", 0)), 20 * period))


DETECTORS: dict[str, DetectorSpec] = {
    "limite": DetectorSpec(threshold, _lb_short, KIND_LABELS["limite"]),
    "taxa": DetectorSpec(rate_of_change, _lb_short, KIND_LABELS["taxa"]),
    "travado": DetectorSpec(
        flatline, lambda p, period: dt.timedelta(seconds=2 * float(p.get("min_duration_s", 3600))
                                                 + 10 * period), KIND_LABELS["travado"]),
    "comunicacao": DetectorSpec(
        communication_loss, lambda p, period: dt.timedelta(
            seconds=max(3600.0, 3 * float(p.get("k", 5)) * period)), KIND_LABELS["comunicacao"],
        record_past=False),
    "vazao_noturna": DetectorSpec(
        night_flow_rise, lambda p, period: dt.timedelta(
            days=int(p.get("baseline_nights", 7)) + 2), KIND_LABELS["vazao_noturna"]),
    "cusum": DetectorSpec(
        cusum, lambda p, period: dt.timedelta(seconds=float(p.get("baseline_s", 86_400)) * 1.5),
        KIND_LABELS["cusum"]),
    "ewma": DetectorSpec(
        ewma, lambda p, period: dt.timedelta(seconds=float(p.get("baseline_s", 86_400)) * 1.5),
        KIND_LABELS["ewma"]),
    "qualidade": DetectorSpec(
        water_quality, lambda p, period: dt.timedelta(
            seconds=float(p.get("baseline_s", 12 * 3600)) + 6 * 3600), KIND_LABELS["qualidade"]),
    "parada_eta": DetectorSpec(eta_stoppage, _lb_short, KIND_LABELS["parada_eta"]),
}

# Parameters each detector accepts from the tag's JSON (anything else is a typo).
PARAMS: dict[str, frozenset[str]] = {
    "limite": frozenset({"high", "low", "hysteresis", "on_delay_s", "off_delay_s",
                         "critical_high", "critical_low", "severity"}),
    "taxa": frozenset({"max_rise_per_min", "max_fall_per_min", "min_interval_s", "merge_gap_s",
                       "severity"}),
    "travado": frozenset({"min_duration_s", "tolerance", "min_readings", "severity"}),
    "comunicacao": frozenset({"k", "bad_counts", "severity"}),
    "vazao_noturna": frozenset({"tz", "night_start_hour", "night_end_hour", "baseline_nights",
                                "min_baseline_nights", "rise_fraction", "min_rise", "severity"}),
    "cusum": frozenset({"baseline_s", "target", "sigma", "min_sigma", "k", "h", "severity"}),
    "ewma": frozenset({"baseline_s", "target", "sigma", "min_sigma", "lam", "L", "min_points",
                       "severity"}),
    "qualidade": frozenset({"tags", "step_s", "baseline_s", "refresh_s", "threshold", "k_on",
                            "k_off", "min_scale", "combine", "severity",
                            # telemetry.waterquality.live: method robusto | modelo
                            "method", "model_version", "long_scale", "spike", "freeze",
                            "max_freeze", "band", "cap", "off_ratio", "trend_window",
                            "trend_gain", "trend_scale"}),
    "parada_eta": frozenset({"below", "on_delay_s", "off_delay_s"}),
}


def validate_config(config: Any) -> dict[str, list[str]]:
    """Problems of a tag's `detectors` JSON, in Portuguese, per detector ({} when valid).

    A detector set to false is switched off (useful for `comunicacao`, on by default)."""
    if not isinstance(config, dict):
        return {"detectors": ["A configuração dos detectores deve ser um objeto JSON."]}
    problems: dict[str, list[str]] = {}
    for name, params in config.items():
        if name not in DETECTORS:
            problems.setdefault(name, []).append(
                f"Detector desconhecido; use {', '.join(sorted(DETECTORS))}.")
            continue
        if params is False or params is True:
            continue
        if not isinstance(params, dict):
            problems.setdefault(name, []).append("Informe um objeto com os parâmetros.")
            continue
        for key, value in params.items():
            problem = (f"Parâmetro desconhecido: {key}." if key not in PARAMS[name]
                       else _param_problem(key, value))
            if problem:
                problems.setdefault(name, []).append(problem)
    return problems


def _param_problem(key: str, value: Any) -> str | None:
    """What is wrong with one known parameter's value (None when it is fine)."""
    check = _CHECKS.get(key)
    if check is not None:
        return check(key, value)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or not math.isfinite(value)):
        return f"{key} deve ser um número."
    return None


def _check_severity(_key: str, value: Any) -> str | None:
    return None if value in SEVERITIES else f"severity deve ser uma de {', '.join(SEVERITIES)}."


def _check_tags(_key: str, value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return "tags deve ser uma lista de nomes."


def _check_per_tag(key: str, value: Any) -> str | None:
    return None if isinstance(value, dict) else f"{key} deve ser {{tag: número}}."


def _check_method(_key: str, value: Any) -> str | None:
    if value in ("indice", "robusto", "modelo"):
        return None
    return "method deve ser indice, robusto ou modelo."


def _check_tz(key: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{key} deve ser texto."
    try:
        ZoneInfo(value)
    except Exception:  # zoneinfo raises several types for bad keys
        return f"Fuso horário inválido: {value}."
    return None


def _check_combine(key: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{key} deve ser texto."
    return None if value in ("max", "rms") else "combine deve ser max ou rms."


def _check_bool(_key: str, value: Any) -> str | None:
    return None if isinstance(value, bool) else "bad_counts deve ser true ou false."


_CHECKS: dict[str, Callable[[str, Any], str | None]] = {
    "severity": _check_severity, "tags": _check_tags, "min_scale": _check_per_tag,
    "long_scale": _check_per_tag, "spike": _check_per_tag, "method": _check_method,
    "trend_scale": _check_per_tag,
    "tz": _check_tz, "combine": _check_combine, "bad_counts": _check_bool,
}


def suggested_config(quantity: str, asset_kind: str, *, tag_name: str = "",
                     plausible_min: float | None = None,
                     plausible_max: float | None = None) -> dict[str, Any]:
    """A starting configuration for a tag by what it measures (the Gestor edits it).

    Regulatory limits are NOT set here: they are the LIMS's data (Portaria 888 VMPs);
    these are operational alarms for the control room."""
    cfg: dict[str, Any] = {"comunicacao": {"k": 5}}
    if quantity in ("pressao", "vazao", "nivel", "turbidez", "cloro", "ph", "condutividade",
                    "redox"):
        cfg["travado"] = {"min_duration_s": 3 * 3600, "tolerance": 0.0}
    if quantity == "vazao" and asset_kind == "setor":
        cfg["vazao_noturna"] = {"rise_fraction": 0.25, "baseline_nights": 7}
    if quantity == "vazao" and asset_kind == "eta" and "SAIDA" in tag_name.upper():
        cfg["parada_eta"] = {"below": max(1.0, (plausible_max or 0) * 0.01), "on_delay_s": 600}
    if quantity == "turbidez" and asset_kind == "eta":
        # the plant's quality tags (same asset) together; threshold and persistence as
        # calibrated on the first half of the GECCO 2018 plant data (bench/telemetry_detection)
        cfg["qualidade"] = {"threshold": 10.8, "baseline_s": 12 * 3600, "k_on": 2}
    if quantity == "pressao" and asset_kind == "setor":
        cfg["taxa"] = {"max_fall_per_min": 5.0, "min_interval_s": 60}
        # 10 mca: the usual minimum dynamic pressure of a distribution network (NBR 12218);
        # a starting point the Gestor adjusts to the sector's critical point
        cfg["limite"] = {"low": 10.0, "hysteresis": 1.0, "on_delay_s": 300, "off_delay_s": 300}
    if quantity == "ph" and asset_kind == "eta":
        # CUSUM / EWMA only on signals without a daily cycle: against a flat reference a
        # demand-driven pressure or a chlorine that follows the day would alarm every day
        cfg["cusum"] = {"baseline_s": 86_400, "k": 0.5, "h": 8}
    if quantity == "nivel" and asset_kind == "reservatorio" and plausible_max:
        cfg["limite"] = {"low": plausible_max * 0.1, "hysteresis": plausible_max * 0.02,
                         "on_delay_s": 300, "off_delay_s": 300}
    return cfg
