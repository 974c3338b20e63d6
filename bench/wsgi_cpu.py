"""What the WSGI server itself costs per request: gunicorn sync workers (README's production
section) against gthread workers, CPU of the gunicorn processes per request read from /proc,
so the figure holds on a shared machine (the latency would not).

    .venv/bin/python bench/wsgi_cpu.py [--db saae_perf_bench] [--n 400]

Serves the bench database (bench/web_cpu.py builds it) as bench/load_users.serve does, then
for each configuration sends `--n` requests one after another from one client (HTTP
keep-alive when the worker keeps connections) to /saude and to the portal home, after a warm-up
of 50, and prints ms of web CPU and of database CPU per request.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import load_users as lu  # noqa: E402  the server as the load bench runs it

CONFIGS = {
    "sync -w 2": ("-k", "sync"),
    "gthread -w 2 --threads 4": ("-k", "gthread", "--threads", "4"),
}
PAGES = ("/saude", "/portal/")


def run(url: str, db: str, name: str, extra: tuple[str, ...], n: int) -> dict[str, tuple[float, float]]:
    port = lu.free_port()
    proc = lu.serve(url, HERE.parent, 2, port, extra)
    out = {}
    try:
        http = requests.Session()
        for path in PAGES:
            for _ in range(50):
                http.get(f"http://127.0.0.1:{port}{path}", timeout=30)
            pids, web = lu.db_backends(db), lu.children(proc.pid)
            w0, d0 = lu.cpu_of(web), lu.cpu_of(pids)
            for _ in range(n):
                http.get(f"http://127.0.0.1:{port}{path}", timeout=30)
            out[path] = ((lu.cpu_of(web) - w0) / n * 1000, (lu.cpu_of(pids) - d0) / n * 1000)
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="saae_perf_bench")
    ap.add_argument("--n", type=int, default=400)
    args = ap.parse_args()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}"
    if not lu.db_exists(args.db):
        raise SystemExit(f"no database {args.db}: run bench/web_cpu.py first")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, extra in CONFIGS.items():
        t0 = time.time()
        got = run(url, args.db, name, extra, args.n)
        for path, (web, db) in got.items():
            print(f"{name:26} {path:10} web {web:5.2f} ms  db {db:5.2f} ms CPU per request "
                  f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
