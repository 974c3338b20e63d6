"""CPU per request of each page of the load mix, in-process: what a web worker spends, whatever
else the machine runs (issue 17; wall-clock load runs measure the scheduler on a shared machine).

    .venv/bin/python bench/web_cpu.py [--db saae_perf_bench] [--n 30] [--warm 5]
        [--only dashboard,portal_home] [--profile portal_home] [--top 25]

1. Database: `--db` is reused when it exists (migrated to the head unless --no-upgrade), else
   built as bench/load_users.py builds it (25,000 connections, 12 closed months, the demo) and
   kept; ANALYZEd first, as autovacuum keeps a production database's planner statistics.
2. App: built as gunicorn serves it (bench/load_users.serve's settings: development env, Celery
   task runner on a Redis database nobody consumes, no TESTING flag, so Jinja does not check
   template files for changes), requested through Flask's test client, signed in as bench.vu001
   (all staff profiles) through /entrar with its CSRF token, like a virtual user.
3. Per endpoint of load_users.MIX (same page choices, fixed seed): `--warm` unmeasured requests
   (templates compiled, memos filled), then `--n` requests, each timed with time.process_time
   (this process's CPU: the web worker's share), SQL statements counted with SQLAlchemy's
   `before_cursor_execute`, and the database's CPU read from /proc for the PostgreSQL backends
   of this database (only this process talks to it). Prints per endpoint: ms CPU web / db per
   request, statements per request, median wall ms; and the mix-weighted average, which is
   what 300 requests/s on 2 cores must bring under ~6 ms all told.
4. `--profile KIND[,KIND]`: the same requests once more under cProfile timed by CPU (not the
   wait for the database), the `--top` functions by own and by cumulative time (profiling
   inflates the time: read it for the shares).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import load_users as lu  # noqa: E402  bench/load_users.py: the database and the page mix

SECRET = lu.SECRET


def production_app(url: str, public_cache: int = 0):  # type: ignore[no-untyped-def]
    """The app as bench/load_users.serve runs it under gunicorn (saae.wsgi)."""
    from core.config import Settings
    from saae.app import create_app
    from saae.worker import install_runner

    env = {"SAAE_DATABASE_URL": url, "SAAE_ENV": "development", "SAAE_SECRET_KEY": SECRET,
           "SAAE_TASK_RUNNER": "celery", "SAAE_BROKER_URL": "redis://127.0.0.1:6379/13",
           "SAAE_TIMESERIES_URL": "sql", "SAAE_PORTAL_SEARCHES_PER_MINUTE": "1000000",
           "SAAE_DATA_DIR": tempfile.mkdtemp(prefix="saae-webcpu-"),
           "SAAE_PUBLIC_CACHE_SECONDS": str(public_cache)}
    app = create_app(Settings.from_env(env))
    install_runner(app, beat=False)
    return app


def prepare(url: str, name: str, pool: int, no_upgrade: bool = False) -> tuple[dict, dict]:
    """Build the database when missing; the bench user, write pools and page targets."""
    from saae.migrate import upgrade

    if not lu.db_exists(name):
        with psycopg.connect(lu.ADMIN, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        upgrade(url)
        lu.build(url, 25_000, 12)
    elif not no_upgrade:
        upgrade(url)
    lu.analyze(url)  # as autovacuum keeps a production database's statistics
    app = lu.make_app(url)
    with app.app_context():
        lu.bench_users(1)
        work = lu.pools(pool)
        tg = lu.targets()
    from core import db as core_db

    core_db._engine.dispose()
    return work, tg


def sign_in(client, username: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/entrar").get_data(as_text=True)
    r = client.post("/entrar", data={"username": username, "password": lu.PASSWORD,
                                     "csrf_token": lu._csrf(page)})
    if r.status_code != 302 or "/entrar" in r.headers.get("Location", ""):
        raise SystemExit(f"login of {username} failed: HTTP {r.status_code}")
    return lu._csrf(client.get("/lims/recepcao").get_data(as_text=True))


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *_a: object) -> None:
        self.n += 1


def backends(dbname: str) -> list[int]:
    return lu.db_backends(dbname)


def one(client, method: str, path: str, form: dict | None, csrf: str) -> bool:  # type: ignore[no-untyped-def]
    if form is not None:
        r = client.post(path, data={**form, "csrf_token": csrf})
        return r.status_code in (302, 303) and "erro" not in r.headers.get("Location", "")
    r = client.get(path)  # "minha agua" redirects when one place matches: not followed
    return r.status_code in (200, 302, 304)


def measure(client, kind: str, args: argparse.Namespace, ctx: dict) -> dict:  # type: ignore[no-untyped-def]
    """Warm, then `n` timed requests of `kind`."""
    rng = random.Random(f"{kind}-17")
    reqs = [lu.request_of(kind, rng, ctx["tg"], ctx["pools"], ctx["month"])
            for _ in range(args.warm + args.n)]
    reqs = [r for r in reqs if r[0]]
    for m, p, f in reqs[:args.warm]:
        one(client, m, p, f, ctx["csrf"])
    timed = reqs[args.warm:]
    if not timed:
        return {"n": 0}
    cpu, walls, stmts, errors = [], [], [], 0
    pids = backends(ctx["db"])
    db0 = lu.cpu_of(pids)
    for m, p, f in timed:
        ctx["counter"].n = 0
        c0, w0 = time.process_time(), time.perf_counter()
        ok = one(client, m, p, f, ctx["csrf"])
        cpu.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
        stmts.append(ctx["counter"].n)
        errors += not ok
    db = lu.cpu_of(sorted(set(pids) | set(backends(ctx["db"])))) - db0
    n = len(timed)
    return {"n": n, "errors": errors, "web": sum(cpu) / n * 1000, "db": db / n * 1000,
            "stmts": sum(stmts) / n, "wall": statistics.median(walls) * 1000,
            "web_med": statistics.median(cpu) * 1000}


def profile(client, kind: str, args: argparse.Namespace, ctx: dict) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(f"{kind}-17-profile")
    reqs = [r for r in (lu.request_of(kind, rng, ctx["tg"], ctx["pools"], ctx["month"])
                        for _ in range(args.n)) if r[0]]
    prof = cProfile.Profile(time.process_time)  # CPU, not the wait for the database
    prof.enable()
    for m, p, f in reqs:
        one(client, m, p, f, ctx["csrf"])
    prof.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"\n--- {kind}: top {args.top} by {order} ({len(reqs)} requests) ---")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def report(rows: dict[str, dict]) -> None:
    weights = {kind: w for _label, w, kind in lu.MIX}
    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'endpoint':16} {'n':>4} {'err':>3} {'web ms':>7} {'(med)':>6} {'db ms':>6} "
          f"{'stmts':>6} {'wall ms':>8}")
    tw = tot_web = tot_db = 0.0
    for kind, r in rows.items():
        if not r.get("n"):
            print(f"{kind:16} (pool exhausted)")
            continue
        print(f"{kind:16} {r['n']:>4} {r['errors']:>3} {r['web']:>7.1f} {r['web_med']:>6.1f} "
              f"{r['db']:>6.1f} {r['stmts']:>6.1f} {r['wall']:>8.1f}")
        tw += weights[kind]
        tot_web += weights[kind] * r["web"]
        tot_db += weights[kind] * r["db"]
    if tw:
        web, db = tot_web / tw, tot_db / tw
        print(f"{'MIX (weighted)':16} {'':>4} {'':>3} {web:>7.1f} {'':>6} {db:>6.1f}   "
              f"-> {web + db:.1f} ms CPU per request: at most {2000 / (web + db):.0f} requests/s "
              f"on 2 cores")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="saae_perf_bench")
    ap.add_argument("--n", type=int, default=30, help="timed requests per endpoint")
    ap.add_argument("--warm", type=int, default=5, help="unmeasured requests per endpoint first")
    ap.add_argument("--only", default="", help="comma-separated kinds (load_users.MIX)")
    ap.add_argument("--profile", default="", help="kinds to profile with cProfile, or 'all'")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--public-cache", type=int, default=0,
                    help="SAAE_PUBLIC_CACHE_SECONDS (0: every page rendered, its full cost)")
    ap.add_argument("--no-upgrade", action="store_true",
                    help="leave the database at its revision (an older checkout's bench)")
    args = ap.parse_args()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}"
    kinds = [k for _l, _w, k in lu.MIX]
    if args.only:
        kinds = [k for k in kinds if k in args.only.split(",")]
    work, tg = prepare(url, args.db, 2 * (args.warm + args.n) + 10, args.no_upgrade)
    app = production_app(url, args.public_cache)
    from sqlalchemy import event

    from core.db import get_engine

    counter = Counter()
    event.listen(get_engine(), "before_cursor_execute", counter)
    client = app.test_client()
    prev = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    ctx = {"tg": tg, "pools": lu.Pools(work), "month": (prev.year, prev.month), "db": args.db,
           "counter": counter, "csrf": sign_in(client, "bench.vu001")}
    rows = {k: measure(client, k, args, ctx) for k in kinds}
    report(rows)
    todo = kinds if args.profile == "all" else [k for k in args.profile.split(",") if k]
    for k in todo:
        profile(client, k, args, ctx)


if __name__ == "__main__":
    main()
