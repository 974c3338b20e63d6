"""Cross-validated training and the guarded replacement of the live model.

`cross_validate` is the blocked CV the bench and the CLI print: per fold, the model is
trained (its threshold chosen by the inner blocked CV) on the other blocks only and scored on
the held-out one. `retrain` refuses to replace a model whose cross-validated mean F1 was
better than the new one's, unless forced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from telemetry.waterquality import model as wq_model
from telemetry.waterquality import robust
from telemetry.waterquality.evaluation import CVResult, blocked_cv


def cross_validate(values: np.ndarray, y: np.ndarray, columns: list[str], *,
                   n_blocks: int = 5, base: robust.RobustParams | None = None,
                   mp: wq_model.ModelParams | None = None,
                   inner_blocks: int = wq_model.INNER_BLOCKS) -> CVResult:
    def fit_predict(train: np.ndarray, held: slice) -> tuple[np.ndarray, dict]:
        m = wq_model.train(values, y, train, columns=columns, base=base, mp=mp,
                           inner_blocks=inner_blocks)
        flag, _prob = m.flags(feats=m.train_features)
        return flag[held], {**m.alarm, "f1_interno": m.card["inner_cv_f1"]}

    return blocked_cv(len(y), np.asarray(y, dtype=bool), fit_predict, n_blocks)


def cv_summary(cv: CVResult) -> dict:
    return {"mean_f1": round(cv.mean_f1, 4), "min_f1": round(cv.min_f1, 4),
            "mean_precision": round(cv.mean("precision"), 4),
            "mean_recall": round(cv.mean("recall"), 4),
            "median_delay_min": cv.pooled_delay(),
            "folds": [{"f1": round(f.f1, 4), "precision": round(f.precision, 4),
                       "recall": round(f.recall, 4), "events": f.events, "found": f.found,
                       "median_delay": f.median_delay, "false_alarm_minutes": f.false_alarm_minutes}
                      for f in cv.folds]}


@dataclass(frozen=True)
class RetrainResult:
    cv: CVResult
    saved: Path | None  # the new model's card, None when refused
    current_f1: float | None  # the live model's cross-validated mean F1, if any
    message: str


def retrain(values: np.ndarray, y: np.ndarray, columns: list[str], directory: Path, *,
            force: bool = False, n_blocks: int = 5, base: robust.RobustParams | None = None,
            mp: wq_model.ModelParams | None = None,
            inner_blocks: int = wq_model.INNER_BLOCKS) -> RetrainResult:
    """Cross-validate, then train on everything and save the next version, unless the live
    model's cross-validated mean F1 is higher (then nothing is written)."""
    y = np.asarray(y, dtype=bool)
    if not y.any():
        raise ValueError("nenhum minuto de evento confirmado no conjunto de treino")
    cv = cross_validate(values, y, columns, n_blocks=n_blocks, base=base, mp=mp,
                        inner_blocks=inner_blocks)
    current: float | None = None
    if wq_model.versions(directory):
        card = wq_model.load(directory).card
        current = float((card.get("cv") or {}).get("mean_f1", 0.0))
        if current > cv.mean_f1 and not force:
            return RetrainResult(cv, None, current,
                                 f"recusado: o modelo v{card['version']} tem F1 médio {current:.3f} "
                                 f"na validação cruzada; o novo teria {cv.mean_f1:.3f}")
    m = wq_model.train(values, y, columns=columns, base=base, mp=mp, inner_blocks=inner_blocks)
    path = wq_model.save(m, directory, data_sha256=wq_model.data_hash(values, y),
                         cv=cv_summary(cv))
    return RetrainResult(cv, path, current, f"salvo {path.name} (F1 médio {cv.mean_f1:.3f})")
