"""What the live quality detector costs the monitor: ~200 quality tags at a 1-minute cadence.

    .venv/bin/python bench/telemetry_quality_monitor.py [--plantas 34] [--passadas 3]

34 plants x 6 quality tags (chlorine x2, pH, redox, conductivity, turbidity) = 204 tags,
each fed 18 hours of real one-minute readings (slices of the GECCO 2018 file, or synthetic
readings when it is absent). Each pass runs the monitor's own detector path
(telemetry.monitor.run_detector, which aligns the window and calls
telemetry.waterquality.live) once per plant, as configured (the `qualidade` detector on one
tag of the plant reading its neighbours), and also once per tag (every quality tag hosting
the detector: telemetry.waterquality.live answers one window once per pass, so the other
tags of the plant cost the key and a copy of the findings; nothing is kept between passes). The store is an in-memory list per tag, so the figure
is the detector's CPU; reading windows from the store is measured by
bench/telemetry_ingest.py. Printed: CPU seconds per pass and the share of one core at one
pass a minute (target: < 5%).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from telemetry.connectors.base import Reading  # noqa: E402
from telemetry.detection import resolution  # noqa: E402
from telemetry.models.tags import Tag  # noqa: E402
from telemetry.monitor import WindowCache, run_detector  # noqa: E402
from telemetry.waterquality import drift, live, robust  # noqa: E402
from telemetry.waterquality import model as wq_model  # noqa: E402

COLS = ["Cl", "pH", "Redox", "Leit", "Trueb", "Cl_2"]
WINDOW = 1080  # minutes the detector reads (12 h reference + 6 h)
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


class MemoryStore:
    def __init__(self, data: dict[str, list[Reading]]) -> None:
        self.data = data

    def read_window(self, tag: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
        return [r for r in self.data.get(tag, []) if start <= r.ts < end]

    def last(self, tag: str) -> Reading | None:
        rows = self.data.get(tag)
        return rows[-1] if rows else None


def _values(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        from telemetry_detection import DATA, FEATURES, load

        x, y, _ = load(DATA)
        return x[:, [FEATURES.index(c) for c in COLS]], y
    except (FileNotFoundError, OSError):
        print("(GECCO 2018 ausente: leituras sinteticas)")
        rng = np.random.default_rng(0)
        base = np.array([0.5, 8.4, 750, 440, 0.03, 0.5])
        x = base + base * 0.01 * rng.standard_normal((n_rows, 6))
        y = np.zeros(n_rows, dtype=bool)
        for a in range(2000, n_rows - 100, 3000):
            x[a:a + 30, 0] *= 0.7
            y[a:a + 30] = True
        return x, y


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plantas", type=int, default=34)
    ap.add_argument("--passadas", type=int, default=3)
    args = ap.parse_args(argv)
    x, y = _values(60_000)
    print(f"modelo de teste: treinado em {min(40_000, len(y))} minutos (so para medir o custo)")
    model_dir = Path(tempfile.mkdtemp(prefix="wq-bench-"))
    rows = np.zeros(len(y), dtype=bool)
    rows[:40_000] = True
    m = wq_model.train(x, y, rows, columns=COLS, base=robust.RobustParams(spike=[1, 1, 1, 1, 3, 1]),
                       inner_blocks=2)
    wq_model.save(m, model_dir, data_sha256=wq_model.data_hash(x[rows], y[rows]), cv={})
    data: dict[str, list[Reading]] = {}
    plants = []
    start = NOW - dt.timedelta(minutes=WINDOW)
    for p in range(args.plantas):
        off = 45_000 + (p * 2_000) % (len(y) - 45_000 - WINDOW)
        names = [f"ETA-{p:02d}.{c.upper()}" for c in COLS]
        for j, name in enumerate(names):
            data[name] = [Reading(name, start + dt.timedelta(minutes=i), float(v))
                          for i, v in enumerate(x[off:off + WINDOW, j]) if v == v]
        plants.append(names)
    store = MemoryStore(data)
    xs = robust.despike(x[:40_000], [1, 1, 1, 1, 3, 1])
    t = drift.trend_t(xs, 5, resolution(xs))
    tail = drift.scales(t, ~y[:40_000])
    tails = {name: float(tail[j]) for p in plants for j, name in enumerate(p)}
    tags = sum(len(p) for p in plants)
    print(f"{args.plantas} ETAs x {len(COLS)} tags = {tags} tags de qualidade, janela de "
          f"{WINDOW} min")
    for method in ("indice", "robusto", "modelo"):
        params = {"method": method, "baseline_s": 720 * 60}
        if method == "robusto":
            # as bench/telemetry_detection.py chooses it: the drift score on, with each
            # signal's normal tail from the model's training minutes
            params.update(trend_gain=20.0, trend_window=5, trend_scale=tails)
        if method == "modelo":
            params["model_dir"] = str(model_dir)
        for label, hosts in (("uma vez por ETA", [p[0] for p in plants]),
                             ("uma vez por tag", [n for p in plants for n in p])):
            cpu = []
            for _ in range(args.passadas):
                # every pass of the real monitor has a new `now`: nothing is remembered from
                # the pass before (within a pass, tags of one plant share one answer)
                live.forget()
                cache = WindowCache(store, NOW)
                c0 = time.process_time()
                for host in hosts:
                    plant = next(p for p in plants if host in p)
                    tag = Tag(name=host, expected_period_seconds=60)
                    run_detector("qualidade", {**params, "tags": plant}, tag, cache, NOW)
                cpu.append(time.process_time() - c0)
            per_pass = float(np.median(cpu))
            print(f"  {method:<8} {label:<16} {len(hosts):>3} execucoes: {per_pass:6.2f} s de CPU "
                  f"por passada = {per_pass / 60 * 100:5.2f}% de um nucleo a cada minuto")


if __name__ == "__main__":
    main()
