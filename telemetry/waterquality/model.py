"""The supervised water-quality detector: a histogram gradient-boosting classifier
(scikit-learn) over features from the robust scores and short differences, trained on the
utility's own labelled events, with its alarm threshold chosen by blocked cross-validation
inside the training data, saved as a versioned artefact (the estimator beside a JSON card
with the training data's hash, the parameters and the cross-validated scores).

Features per minute and signal (all causal: a minute sees only itself and the past):
the robust z-score against the frozen reference (telemetry.waterquality.robust), its
absolute value, the differences over 1, 5 and 15 minutes and the 10-minute spread, each in
units of the signal's long-run scale; and per minute the combined robust score with its
running maximum over 5 and 30 minutes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from telemetry.detection import resolution
from telemetry.waterquality import robust
from telemetry.waterquality.evaluation import alarm as ev_alarm
from telemetry.waterquality.evaluation import blocks, score

LAGS = (1, 5, 15)
SPREAD = 10
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
K_ONS = (1, 2)
K_OFFS = (1, 3)
INNER_BLOCKS = 4
# neighbouring normal minutes are near copies: fitting on one in THIN of them (and on every
# event minute) costs a quarter of the time and loses nothing measurable
THIN = 4
FORMAT = 1  # artefact layout version (what `load` understands)


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters (fixed, small: the threshold and persistence are what CV chooses)."""

    max_iter: int = 150
    learning_rate: float = 0.08
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    random_state: int = 0


def _lagdiff(x: np.ndarray, lag: int) -> np.ndarray:
    out = np.full_like(x, np.nan)
    out[lag:] = x[lag:] - x[:-lag]
    return out


def _running_max(v: np.ndarray, w: int) -> np.ndarray:
    out = np.array(v, dtype=float, copy=True)
    filled = np.nan_to_num(v, nan=0.0)
    for lag in range(1, w):
        out[lag:] = np.fmax(out[lag:], filled[:-lag])
    return out


def _running_std(x: np.ndarray, w: int) -> np.ndarray:
    n = len(x)
    stack = np.full((w,) + x.shape, np.nan)
    for lag in range(w):
        stack[lag, lag:] = x[:n - lag]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanstd(stack, axis=0)


def features(values: np.ndarray, p: robust.RobustParams) -> tuple[np.ndarray, list[str]]:
    """(feature matrix (n, f), feature names) for per-minute values (n, k)."""
    x = np.asarray(values, dtype=float)
    k = x.shape[1]
    state = robust.scores(x, p)
    scale = np.asarray(p.long_scale, dtype=float) if len(p.long_scale) else np.nanmedian(
        state.scale, axis=0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    xs = robust.despike(x, list(p.spike) or [1] * k)
    cols = [state.z, np.abs(state.z)]
    names = [f"z{j}" for j in range(k)] + [f"absz{j}" for j in range(k)]
    for lag in LAGS:
        cols.append(_lagdiff(xs, lag) / scale)
        names += [f"d{lag}_{j}" for j in range(k)]
    cols.append(_running_std(xs, SPREAD) / scale)
    names += [f"sd{SPREAD}_{j}" for j in range(k)]
    s = state.score[:, None]
    cols += [s, _running_max(state.score, 5)[:, None], _running_max(state.score, 30)[:, None]]
    names += ["score", "score_max5", "score_max30"]
    return np.hstack(cols), names


def _classifier(mp: ModelParams) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier  # why: heavy, training only

    return HistGradientBoostingClassifier(
        max_iter=mp.max_iter, learning_rate=mp.learning_rate, max_leaf_nodes=mp.max_leaf_nodes,
        min_samples_leaf=mp.min_samples_leaf, l2_regularization=mp.l2_regularization,
        early_stopping=False, random_state=mp.random_state)


@functools.cache
def _controller() -> Any:
    """The thread pools of the loaded libraries, found once per process (finding them costs
    ~15 ms, more than scoring a monitor window)."""
    from threadpoolctl import ThreadpoolController  # why: comes with scikit-learn, loaded with it

    return ThreadpoolController()


def _one_thread() -> Any:
    """One OpenMP thread: the monitor shares its cores with the ingester and the web app, and
    on a busy machine OpenMP's spinning threads cost more than they save on these sizes."""
    return _controller().limit(limits=1)


def _fit(f: np.ndarray, y: np.ndarray, rows: np.ndarray, mp: ModelParams) -> Any:
    keep = rows & np.isfinite(f[:, -3])  # rows with a reference (the warm-up has none)
    thin = np.zeros(len(y), dtype=bool)
    thin[::THIN] = True
    keep &= thin | y
    clf = _classifier(mp)
    with _one_thread():
        clf.fit(f[keep], y[keep])
    return clf


def _proba(clf: Any, f: np.ndarray) -> np.ndarray:
    """Probability per row; rows without a reference (the window's warm-up, two thirds of
    what the monitor reads) are NaN and not predicted at all."""
    ok = np.isfinite(f[:, -3])
    out = np.full(len(f), np.nan)
    if ok.any():
        with _one_thread():
            out[ok] = clf.predict_proba(f[ok])[:, 1]
    return out


def choose_alarm(prob: np.ndarray, y: np.ndarray, rows: np.ndarray) -> tuple[dict, float]:
    """({threshold, k_on, k_off}, F1) best on `rows` for out-of-fold probabilities."""
    best: tuple[dict, float] = ({"threshold": 0.5, "k_on": 1, "k_off": 1}, -1.0)
    for th in THRESHOLDS:
        for k_on in K_ONS:
            for k_off in K_OFFS:
                flag = ev_alarm(prob, on=th, k_on=k_on, k_off=k_off)
                f1 = score(flag[rows], y[rows]).f1
                if f1 > best[1]:
                    best = ({"threshold": float(th), "k_on": k_on, "k_off": k_off}, f1)
    return best


@dataclass
class Trained:
    """A fitted model with what it needs to run and the record of how it was chosen."""

    estimator: Any
    robust_params: robust.RobustParams
    alarm: dict
    columns: list[str]  # the quantities (or tags) of each input column, in order
    card: dict = field(default_factory=dict)

    train_features: np.ndarray | None = None  # kept in memory only (the bench reuses them)

    def probability(self, values: np.ndarray | None = None, *,
                    feats: np.ndarray | None = None) -> np.ndarray:
        if feats is None:
            feats, _names = features(values, self.robust_params)
        return _proba(self.estimator, feats)

    def flags(self, values: np.ndarray | None = None, *,
              feats: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(alarm per row, probability per row), as known at each row."""
        prob = self.probability(values, feats=feats)
        return ev_alarm(prob, on=self.alarm["threshold"], k_on=self.alarm["k_on"],
                          k_off=self.alarm["k_off"]), prob


def prepare_robust(values: np.ndarray, rows: np.ndarray,
                   base: robust.RobustParams) -> robust.RobustParams:
    """The robust detector's data-derived parameters (sensor resolution and long-run scale)
    estimated on `rows` only."""
    floor = resolution(values[rows])
    p0 = robust.RobustParams(**{**base.__dict__, "min_scale": [float(v) for v in floor],
                                "long_scale": (), "band": 1e9})
    st = robust.scores(values, p0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ls = np.nanmedian(st.scale[rows], axis=0)
    ls = np.where(np.isfinite(ls), ls, np.maximum(floor, 1e-6))
    return robust.RobustParams(**{**p0.__dict__, "band": base.band,
                                  "long_scale": [float(v) for v in ls]})


def train(values: np.ndarray, y: np.ndarray, rows: np.ndarray | None = None, *,
          columns: list[str], base: robust.RobustParams | None = None,
          mp: ModelParams | None = None, inner_blocks: int = INNER_BLOCKS) -> Trained:
    """Fit on `rows` (default all). The alarm threshold and persistence come from blocked CV
    inside those rows: `inner_blocks` contiguous blocks, each predicted by a model fitted
    on the others; then the final model is fitted on all the rows."""
    x = np.asarray(values, dtype=float)
    y = np.asarray(y, dtype=bool)
    n = len(y)
    rows = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    mp = mp or ModelParams()
    p = prepare_robust(x, rows, base or robust.RobustParams(spike=[1] * x.shape[1]))
    f, _names = features(x, p)
    idx = np.flatnonzero(rows)
    oof = np.full(n, np.nan)
    for b in blocks(len(idx), inner_blocks):
        held = np.zeros(n, dtype=bool)
        held[idx[b]] = True
        if not y[rows & ~held].any():
            continue
        clf = _fit(f, y, rows & ~held, mp)
        oof[held] = _proba(clf, f[held])
    alarm, f1 = choose_alarm(oof, y, rows & np.isfinite(oof))
    clf = _fit(f, y, rows, mp)
    return Trained(clf, p, alarm, list(columns),
                   {"inner_cv_f1": round(f1, 4), "params": asdict(mp)}, train_features=f)


# ---------------------------------------------------------------------------------------------
# artefacts: <dir>/wq-model-v<N>.joblib + <dir>/wq-model-v<N>.json
# ---------------------------------------------------------------------------------------------


def data_hash(values: np.ndarray, y: np.ndarray) -> str:
    """sha256 of the training matrix and labels (what the model was fitted on)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(np.asarray(values, dtype=np.float64)).tobytes())
    h.update(np.asarray(y, dtype=np.uint8).tobytes())
    return h.hexdigest()


def versions(directory: Path) -> list[int]:
    out = []
    for path in Path(directory).glob("wq-model-v*.json"):
        m = re.fullmatch(r"wq-model-v(\d+)\.json", path.name)
        if m:
            out.append(int(m.group(1)))
    return sorted(out)


def save(model: Trained, directory: Path, *, data_sha256: str, cv: dict) -> Path:
    """Write the next version; returns the card's path."""
    import joblib  # why: comes with scikit-learn; loaded only to save or read a model

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    version = (versions(directory) or [0])[-1] + 1
    stem = directory / f"wq-model-v{version}"
    joblib.dump(model.estimator, stem.with_suffix(".joblib"))
    card = {
        "format": FORMAT, "version": version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_sha256": data_sha256, "columns": model.columns, "alarm": model.alarm,
        "robust": model.robust_params.to_json(), "cv": cv, **model.card,
    }
    stem.with_suffix(".json").write_text(json.dumps(card, indent=2, ensure_ascii=False))
    model.card = card
    return stem.with_suffix(".json")


def load(directory: Path, version: int | None = None) -> Trained:
    """The given version (default the newest) from `directory`. Artefacts are the utility's
    own files (joblib unpickles: never load one from an untrusted place)."""
    import joblib  # why: comes with scikit-learn; loaded only to save or read a model

    directory = Path(directory)
    if version is None:
        found = versions(directory)
        if not found:
            raise FileNotFoundError(f"nenhum modelo em {directory}")
        version = found[-1]
    stem = directory / f"wq-model-v{version}"
    card = json.loads(stem.with_suffix(".json").read_text())
    if card.get("format") != FORMAT:
        raise ValueError(f"formato de modelo desconhecido: {card.get('format')}")
    r = dict(card["robust"])
    params = robust.RobustParams(**r)
    return Trained(joblib.load(stem.with_suffix(".joblib")), params, card["alarm"],
                   card["columns"], card)
