"""The supervised quality detector's training set from the utility's own history: the
windows around the anomalies operators labelled (confirmed event / false alarm) on the
anomaly page, read from the time-series store and put on a one-minute grid."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import click
import numpy as np

import telemetry.models  # noqa: F401  (registers the tables read below)
from core.cli_app import cli_app
from telemetry.detection import align
from telemetry.monitor import labelled
from telemetry.storage import open_storage

BEFORE = dt.timedelta(hours=24)  # the reference the detector needs, and normal minutes
AFTER = dt.timedelta(hours=2)


def labelled_dataset(tag_names: list[str], store: Any, *, step_s: float = 60.0,
                     gap_rows: int = 720) -> tuple[np.ndarray, np.ndarray, int]:
    """(values (n, len(tag_names)), labels, number of labelled anomalies used). Windows of
    overlapping anomalies are merged; windows are joined by `gap_rows` empty rows so one
    window's reference never reaches into another's. Minutes inside a confirmed anomaly
    are events; everything else (false alarms included) is normal."""
    rows = [a for a in labelled() if a.tag.name in tag_names]
    if not rows:
        return np.zeros((0, len(tag_names))), np.zeros(0, dtype=bool), 0
    spans: list[list[Any]] = []
    for a in rows:
        end = a.ended_at or a.last_seen_at
        lo, hi = a.started_at - BEFORE, end + AFTER
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
            spans[-1][2].append(a)
        else:
            spans.append([lo, hi, [a]])
    xs, ys = [], []
    step = dt.timedelta(seconds=step_s)
    for lo, hi, members in spans:
        series = {n: list(store.read_window(n, lo, hi)) for n in tag_names}
        grid, x = align(series, step_s=step_s, start=lo, end=hi)
        y = np.zeros(len(grid), dtype=bool)
        for a in members:
            if a.label != "confirmado":
                continue
            end = a.ended_at or a.last_seen_at
            i0 = max(int((a.started_at - lo) / step), 0)
            i1 = min(int((end - lo) / step) + 1, len(grid))
            y[i0:i1] = True
        xs += [x, np.full((gap_rows, len(tag_names)), np.nan)]
        ys += [y, np.zeros(gap_rows, dtype=bool)]
    return np.vstack(xs), np.concatenate(ys), len(rows)


def read_csv(path: Path, columns: list[str], label: str = "EVENT") -> tuple[np.ndarray, np.ndarray]:
    """A labelled one-minute CSV (the GECCO 2018 layout: one column per signal and a
    True/False event column), plain or gzipped."""
    opener = gzip.open if str(path).endswith(".gz") else open
    values, labels = [], []
    with opener(path, "rt", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        missing = [c for c in [*columns, label] if c not in header]
        if missing:
            raise ValueError(f"colunas ausentes em {path}: {', '.join(missing)}")
        idx = [header.index(c) for c in columns]
        il = header.index(label)
        for row in reader:
            values.append([float(row[i]) if row[i] not in ("", "NA") else np.nan for i in idx])
            labels.append(row[il].strip().lower() in ("true", "1", "sim"))
    return np.array(values, dtype=float), np.array(labels, dtype=bool)


def gather(settings: Any, base_csv: str | None, columns: list[str],
           tags: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """`saae retreinar-qualidade`'s training set: the labelled CSV to start from and/or the
    windows of the anomalies the operators labelled on `tags` (in the order of `columns`)."""
    parts_x, parts_y = [], []
    if base_csv:
        x, y = read_csv(Path(base_csv), columns)
        parts_x.append(x)
        parts_y.append(y)
        click.echo(f"base {base_csv}: {len(y)} minutos, {int(y.sum())} de evento")
    if tags:
        with cli_app("saae-telemetry-cli", settings).app_context():
            x, y, used = labelled_dataset(tags, open_storage(settings, own_engine=True))
        click.echo(f"avaliações dos operadores: {used} anomalias, {len(y)} minutos, "
                   f"{int(y.sum())} de evento")
        if len(y):
            parts_x.append(x)
            parts_y.append(y)
    if not parts_y:
        raise click.ClickException("Nada para treinar: informe --base e/ou --tags.")
    return np.vstack(parts_x), np.concatenate(parts_y)
