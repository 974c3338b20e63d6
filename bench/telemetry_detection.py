"""Detection quality on the GECCO 2018 drinking-water data (real plant, per-minute EVENT labels),
judged by blocked cross-validation.

    .venv/bin/python bench/telemetry_detection.py [--data PATH] [--metodos indice,robusto,modelo]

The training file is cut into 5 contiguous blocks; each fold calibrates (or trains) on the
other four and scores the held-out one with the challenge's metric (per-minute precision,
recall and F1), plus events found, the median delay from an event's first minute to its
first flag, and false-alarm minutes. Every fold and the mean are printed. Nothing is ever
chosen on the block it is scored on. Scoring is causal: a minute is flagged when the alarm
is active at that minute, as known at that minute.

Methods (telemetry.detection / telemetry.waterquality):
- indice (today's detector, the BEFORE table): robust z-scores against the median / MAD
  of the 12 hours before (refreshed every 10 minutes), the largest |z|, k minutes of
  persistence; threshold = a quantile of the training folds' score (false-alarm budgets
  5% .. 0.5%) x k in (1, 2, 3, 5), the pair with the best F1 on the training folds;
- robusto: the frozen reference (minutes above 6 robust deviations stay out of it, with
  hysteresis), the scale held within 3x the sensor's long-run scale (estimated on the
  training folds), the combined score (root of the sum of squared z, capped), a 3-minute
  running median on turbidity, the drift score (telemetry.waterquality.drift: the
  t-statistic of the 5- or 10-minute slope against each signal's normal tail, estimated
  on the training folds' normal minutes) with its window and gain, and the clear-down
  (k_off, off ratio) chosen on the training folds beside the threshold and k_on;
- modelo: histogram gradient boosting over the robust scores and short differences,
  its alarm threshold and persistence chosen by an inner blocked CV (4 blocks) inside the
  training folds, then fitted on all of them.

The data are read in place from ../shared/data/gecco2018/train.csv.gz (or $SAAE_GECCO_DATA).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telemetry.detection import resolution, robust_scores  # noqa: E402
from telemetry.waterquality import evaluation as ev  # noqa: E402
from telemetry.waterquality import model as wq_model  # noqa: E402
from telemetry.waterquality import robust  # noqa: E402


def _data_path() -> Path:
    env = os.environ.get("SAAE_GECCO_DATA")
    if env:
        return Path(env)
    # the main checkout sits beside shared/; a worktree one level further down
    for base in (ROOT.parent, ROOT.parent.parent):
        p = base / "shared" / "data" / "gecco2018" / "train.csv.gz"
        if p.exists():
            return p
    return ROOT.parent / "shared" / "data" / "gecco2018" / "train.csv.gz"


DATA = _data_path()
FEATURES = ["Tp", "Cl", "pH", "Redox", "Leit", "Trueb", "Cl_2", "Fm", "Fm_2"]
QUALITY = ["Cl", "pH", "Redox", "Leit", "Trueb", "Cl_2"]
BASELINE = 720  # minutes of reference (12 h): longer than the longest event, so an event
# does not become its own reference before it ends
REFRESH = 10  # minutes between reference updates
K_ONS = (1, 2, 3, 5)
SPIKE = [1, 1, 1, 1, 3, 1]  # running-median minutes per QUALITY column: turbidity only
BUDGETS = (0.05, 0.03, 0.02, 0.015, 0.01, 0.007, 0.005)


def load(path: Path, limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(values (n, 9) with NaN for empty cells, EVENT (n,), timestamps)."""
    rows, labels, stamps = [], [], []
    with gzip.open(path, "rt", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        idx = [header.index(c) for c in FEATURES]
        iev = header.index("EVENT")
        for row in reader:
            rows.append([float(row[i]) if row[i] not in ("", "NA") else np.nan for i in idx])
            labels.append(row[iev].strip().lower() == "true")
            stamps.append(row[0])
            if limit and len(rows) >= limit:
                break
    return np.array(rows), np.array(labels, dtype=bool), stamps


def old_fold(x: np.ndarray, y: np.ndarray, train: np.ndarray,
             held: slice) -> tuple[np.ndarray, dict]:
    """Today's detector: resolution floor and threshold / k from the training rows only."""
    floor = resolution(x[train])
    s, _z = robust_scores(x, baseline=BASELINE, refresh=REFRESH, min_scale=floor, combine="max")
    valid = s[train & np.isfinite(s)]
    best = (float("inf"), 1, 0.0, -1.0)
    for b in BUDGETS:
        th = float(np.quantile(valid, 1 - b))
        for k in K_ONS:
            f = ev.score(ev.alarm(s, on=th, k_on=k)[train], y[train]).f1
            if f > best[3]:
                best = (th, k, b, f)
    th, k, _b, f = best
    return ev.alarm(s, on=th, k_on=k)[held], {"limiar": th, "k": k, "F1_treino": f}


def robust_fold(x: np.ndarray, y: np.ndarray, train: np.ndarray,
                held: slice) -> tuple[np.ndarray, dict]:
    base = robust.RobustParams(spike=SPIKE)
    p = wq_model.prepare_robust(x, train, base)
    q, f = robust.calibrate_drift(x, y, train, p)
    s = robust.scores(x, q).score
    return robust.flags(s, q)[held], {"limiar": q.threshold, "k_on": q.k_on, "k_off": q.k_off,
                                      "off": q.off_ratio, "tendencia": q.trend_gain,
                                      "janela": q.trend_window, "F1_treino": f}


def model_fold(x: np.ndarray, y: np.ndarray, train: np.ndarray,
               held: slice) -> tuple[np.ndarray, dict]:
    m = wq_model.train(x, y, train, columns=QUALITY, base=robust.RobustParams(spike=SPIKE))
    flag, _prob = m.flags(feats=m.train_features)
    return flag[held], {**m.alarm, "F1_cv_interno": m.card["inner_cv_f1"]}


METHODS = {"indice": ("ANTES: detector atual (indice, maior |z|)", old_fold),
           "robusto": ("robusto (referencia congelada, escala limitada, escore combinado, "
                       "deriva)",
                       robust_fold),
           "modelo": ("modelo supervisionado (HistGradientBoosting)", model_fold)}


def main(argv: list[str] | None = None) -> dict[str, ev.CVResult]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--metodos", default="indice,robusto,modelo")
    ap.add_argument("--custos", action="store_true", help="also the per-detector monitor costs")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    x, y, stamps = load(args.data)
    xq = x[:, [FEATURES.index(c) for c in QUALITY]]
    n = len(y)
    print(f"GECCO 2018: {n} linhas ({stamps[0]} a {stamps[-1]}), {int(y.sum())} minutos de evento "
          f"em {len(ev.events(y))} eventos; leitura {time.perf_counter() - t0:.1f} s")
    for i, b in enumerate(ev.blocks(n)):
        print(f"  bloco {i + 1}: {stamps[b.start][:10]} a {stamps[b.stop - 1][:10]}, "
              f"{len(ev.events(y[b]))} eventos, {int(y[b].sum())} minutos de evento")
    out: dict[str, ev.CVResult] = {}
    for key in [m.strip() for m in args.metodos.split(",") if m.strip()]:
        label, fn = METHODS[key]
        t1 = time.perf_counter()
        res = ev.blocked_cv(n, y, lambda tr, he, fn=fn: fn(xq, y, tr, he))
        out[key] = res
        print()
        print(res.table(f"[{label}] validacao cruzada em 5 blocos ({time.perf_counter() - t1:.0f} s)"))
    if args.custos:
        monitor_costs(x)
    print(f"\ntempo total {time.perf_counter() - t0:.1f} s")
    return out


def monitor_costs(x: np.ndarray) -> None:
    """What one monitor pass costs per tag: each detector on the window it reads."""
    import datetime as dt

    from telemetry import detection as d
    from telemetry.connectors.base import Reading

    t0 = dt.datetime(2016, 9, 1, tzinfo=dt.UTC)
    rows = x[40_000:40_000 + 1080]  # 18 h, the quality detector's window at 1 min
    series = {c: [Reading(c, t0 + dt.timedelta(minutes=i), float(v))
                  for i, v in enumerate(rows[:, FEATURES.index(c)]) if v == v] for c in QUALITY}
    day10s = [Reading("T", t0 + dt.timedelta(seconds=10 * i), 5 + (i % 7) * 0.01)
              for i in range(8640)]
    cases = [
        ("qualidade: 6 tags x 18 h a 1 min", lambda: d.water_quality(
            series, start=t0, end=t0 + dt.timedelta(minutes=1080), baseline_s=720 * 60,
            threshold=10.8, k_on=2)),
        ("limite: 24 h a 10 s", lambda: d.threshold(day10s, high=6, on_delay_s=60)),
        ("travado: 24 h a 10 s", lambda: d.flatline(day10s, min_duration_s=3 * 3600)),
        ("cusum: 24 h a 10 s", lambda: d.cusum(day10s, baseline_s=12 * 3600)),
        ("comunicacao: 24 h a 10 s", lambda: d.communication_loss(
            day10s, window_start=t0, now=t0 + dt.timedelta(days=1), expected_period_s=10)),
    ]
    print("\ncusto por detector e tag em cada passagem do monitor (media de 5):")
    for label, fn in cases:
        t1 = time.perf_counter()
        for _ in range(5):
            fn()
        print(f"  {label:<36} {(time.perf_counter() - t1) / 5 * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
